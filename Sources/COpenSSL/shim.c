#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/un.h>
#include <signal.h>
#include "COpenSSL.h"
#include <string.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <arpa/inet.h>
#include <sys/stat.h>

int meridian_subject_entry(X509 *cert, int nid, char *buf, int size) {
    X509_NAME *name = X509_get_subject_name(cert);
    if (name == NULL) return -1;
    return X509_NAME_get_text_by_NID(name, nid, buf, size);
}

/* The first verification failure of one SSL, kept in its ex_data so the Swift side can name
 * it after we have changed the error OpenSSL turns into an alert (see verify_role). */
static int failure_index = -1;
static pthread_once_t failure_once = PTHREAD_ONCE_INIT;
static void make_failure_index(void) { failure_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static void record_failure(SSL *ssl, int error, int policy) {
    pthread_once(&failure_once, make_failure_index);
    if (ssl == NULL || failure_index < 0 || SSL_get_ex_data(ssl, failure_index) != NULL) return;
    /* error < 2^16 and policy < 2^8: packed into the pointer's value, nothing allocated. */
    intptr_t packed = ((intptr_t)(error & 0xFFFF) << 8) | (policy & 0xFF) | ((intptr_t)1 << 30);
    SSL_set_ex_data(ssl, failure_index, (void *)packed);
}

int meridian_verify_failure(const SSL *ssl, int *policy) {
    *policy = 0;
    pthread_once(&failure_once, make_failure_index);
    if (failure_index < 0) return X509_V_OK;
    intptr_t packed = (intptr_t)SSL_get_ex_data(ssl, failure_index);
    if (packed == 0) return X509_V_OK;
    *policy = (int)(packed & 0xFF);
    return (int)((packed >> 8) & 0xFFFF);
}

/* Which error we let OpenSSL turn into the alert the peer receives. OpenSSL sends
 * bad_certificate for "not yet valid" and for many unrelated failures (hostname mismatch,
 * malformed fields); the peer could not tell them apart. So only the failures a peer can act
 * on keep their own alert, and every other one becomes X509_V_ERR_AKID_SKID_MISMATCH, a code
 * OpenSSL no longer produces and has no alert for, so it sends certificate_unknown
 * (X509_V_ERR_UNSPECIFIED would send internal_error): bad_certificate from a Meridian peer
 * then means "not yet valid". */
static int alert_error(int error) {
    switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_HAS_EXPIRED: case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_REVOKED: case X509_V_ERR_INVALID_PURPOSE:
        return error;
    default:
        return X509_V_ERR_AKID_SKID_MISMATCH;
    }
}

/* The leaf policy of certs/README.md: exactly one OU and it is the role's, the EKU of the role
 * present, not a CA. Returns 0 or a MERIDIAN_POLICY_* reason. */
static int leaf_policy(X509 *leaf, const char *wanted_ou, uint32_t wanted_eku) {
    X509_NAME *name = X509_get_subject_name(leaf);
    if (name == NULL) return MERIDIAN_POLICY_WRONG_OU;
    int count = 0, matches = 0;
    for (int i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, i)) {
        count++;
        ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        size_t length = strlen(wanted_ou);
        if (value != NULL && (size_t)ASN1_STRING_length(value) == length
            && memcmp(ASN1_STRING_get0_data(value), wanted_ou, length) == 0) matches++;
    }
    if (count > 1) return MERIDIAN_POLICY_SEVERAL_OU;
    if (matches != 1) return MERIDIAN_POLICY_WRONG_OU;
    if (X509_check_ca(leaf) != 0) return MERIDIAN_POLICY_IS_CA;
    if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0) return MERIDIAN_POLICY_NO_EKU;
    if ((X509_get_extended_key_usage(leaf) & wanted_eku) == 0) return MERIDIAN_POLICY_WRONG_EKU;
    return 0;
}

static int verify_role(int preverify_ok, X509_STORE_CTX *store, const char *wanted_ou, uint32_t wanted_eku) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (!preverify_ok) {
        int error = X509_STORE_CTX_get_error(store);
        record_failure(ssl, error, 0);
        X509_STORE_CTX_set_error(store, alert_error(error));
        return 0;
    }
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    int policy = leaf == NULL ? MERIDIAN_POLICY_WRONG_OU : leaf_policy(leaf, wanted_ou, wanted_eku);
    if (policy != 0) {
        record_failure(ssl, X509_V_ERR_INVALID_PURPOSE, policy);
        X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
        return 0;
    }
    return 1;
}

int meridian_verify_coordinator_peer(int preverify_ok, X509_STORE_CTX *store) {
    return verify_role(preverify_ok, store, "meridian-coordinator", XKU_SSL_CLIENT);
}

int meridian_verify_agent_peer(int preverify_ok, X509_STORE_CTX *store) {
    return verify_role(preverify_ok, store, "meridian-agent", XKU_SSL_SERVER);
}

int meridian_verify_operator_peer(int preverify_ok, X509_STORE_CTX *store) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (!preverify_ok || X509_STORE_CTX_get_error_depth(store) != 0) {
        return verify_role(preverify_ok, store, "meridian-operator", XKU_SSL_CLIENT);
    }
    /* Either operator OU passes; leaf_policy insists on exactly one OU, so a subject carrying
     * both (or an operator OU beside another role's) is refused as SEVERAL_OU by both checks. */
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    int policy = leaf == NULL ? MERIDIAN_POLICY_WRONG_OU : leaf_policy(leaf, "meridian-operator", XKU_SSL_CLIENT);
    if (policy == MERIDIAN_POLICY_WRONG_OU && leaf != NULL) {
        policy = leaf_policy(leaf, "meridian-operator-read-only", XKU_SSL_CLIENT);
    }
    if (policy != 0) {
        record_failure(ssl, X509_V_ERR_INVALID_PURPOSE, policy);
        X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
        return 0;
    }
    return 1;
}

socklen_t meridian_sockaddr_from_numeric(const char *host, unsigned short port, struct sockaddr_storage *sa) {
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return sizeof *v4;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return sizeof *v6;
    }
    return 0;
}

int meridian_sockaddr_describe(const struct sockaddr_storage *sa, char *host, int hostlen, unsigned short *port) {
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        if (inet_ntop(AF_INET, &v4->sin_addr, host, hostlen) == NULL) return -1;
        *port = ntohs(v4->sin_port);
        return 0;
    }
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        if (inet_ntop(AF_INET6, &v6->sin6_addr, host, hostlen) == NULL) return -1;
        *port = ntohs(v6->sin6_port);
        return 0;
    }
    return -1;
}

X509_REQ *meridian_csr_create(EVP_PKEY *key, const char *ou, const char *cn, const char *san) {
    X509_REQ *req = X509_REQ_new();
    if (req == NULL) return NULL;
    X509_NAME *name = X509_REQ_get_subject_name(req);
    STACK_OF(X509_EXTENSION) *extensions = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *alt = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
    int ok = X509_REQ_set_version(req, 0) == 1
        && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Meridian", -1, -1, 0) == 1
        && X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0) == 1
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) == 1
        && X509_REQ_set_pubkey(req, key) == 1
        && extensions != NULL && alt != NULL && sk_X509_EXTENSION_push(extensions, alt) > 0
        && X509_REQ_add_extensions(req, extensions) == 1
        && X509_REQ_sign(req, key, EVP_sha256()) > 0;
    if (extensions != NULL) sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    else if (alt != NULL) X509_EXTENSION_free(alt);
    if (!ok) { X509_REQ_free(req); return NULL; }
    return req;
}

static int san_text(GENERAL_NAMES *names, char *out, int size) {
    int used = 0;
    out[0] = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        char entry[300];
        if (name->type == GEN_DNS) {
            const unsigned char *data = ASN1_STRING_get0_data(name->d.dNSName);
            snprintf(entry, sizeof entry, "DNS:%.*s", ASN1_STRING_length(name->d.dNSName), (const char *)data);
        } else if (name->type == GEN_IPADD) {
            char text[64] = "";
            int length = ASN1_STRING_length(name->d.iPAddress);
            const unsigned char *data = ASN1_STRING_get0_data(name->d.iPAddress);
            if (length == 4) inet_ntop(AF_INET, data, text, sizeof text);
            else if (length == 16) inet_ntop(AF_INET6, data, text, sizeof text);
            snprintf(entry, sizeof entry, "IP:%s", text);
        } else {
            snprintf(entry, sizeof entry, "OTHER:%d", name->type);
        }
        int written = snprintf(out + used, size - used, "%s%s", used ? "," : "", entry);
        if (written < 0 || written >= size - used) return -1;
        used += written;
    }
    return used;
}

int meridian_csr_san_text(X509_REQ *req, char *out, int size) {
    STACK_OF(X509_EXTENSION) *extensions = X509_REQ_get_extensions(req);
    if (extensions == NULL) { out[0] = 0; return 0; }
    int result = 0;
    out[0] = 0;
    for (int i = 0; i < sk_X509_EXTENSION_num(extensions); i++) {
        X509_EXTENSION *extension = sk_X509_EXTENSION_value(extensions, i);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_subject_alt_name) continue;
        GENERAL_NAMES *names = X509V3_EXT_d2i(extension);
        if (names == NULL) { result = -1; break; }
        result = san_text(names, out, size);
        GENERAL_NAMES_free(names);
    }
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    return result;
}

int meridian_cert_san_text(X509 *cert, char *out, int size) {
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) { out[0] = 0; return 0; }
    int result = san_text(names, out, size);
    GENERAL_NAMES_free(names);
    return result;
}

int meridian_accept_cloexec(int fd, struct sockaddr_storage *sa, socklen_t *len) {
    return accept4(fd, (struct sockaddr *)sa, len, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

static int unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof address->sun_path) { errno = ENAMETOOLONG; return -1; }
    memcpy(address->sun_path, path, length);
    return 0;
}

int meridian_unix_connect(const char *path, int *pending) {
    *pending = 0;
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        if (errno == EINPROGRESS || errno == EAGAIN) { *pending = 1; return fd; }
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int meridian_unix_listen(const char *path, int backlog) {
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    struct stat info;
    if (lstat(path, &info) == 0) {
        if (!S_ISSOCK(info.st_mode)) { errno = EEXIST; return -1; }
        int pending = 0;
        int probe = meridian_unix_connect(path, &pending);
        if (probe >= 0) {
            close(probe);
            /* A non-blocking connect to a live listener completes at once or pends; either way
             * somebody listens there, and their socket is not ours to replace. */
            errno = EADDRINUSE;
            return -1;
        }
        if (unlink(path) != 0 && errno != ENOENT) return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    /* umask is per process: another thread creating a file in these few instructions gets 0177
     * too, which only errs on the safe side; the chmod below does not depend on it. */
    mode_t previous = umask(0177);
    int bound = bind(fd, (struct sockaddr *)&address, sizeof address);
    int saved = errno;
    umask(previous);
    if (bound != 0) { close(fd); errno = saved; return -1; }
    if (chmod(path, 0600) != 0 || listen(fd, backlog) != 0) {
        saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return -1;
    }
    return fd;
}

int meridian_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = (unsigned int)credentials.uid;
    return 0;
}

int meridian_unix_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}
