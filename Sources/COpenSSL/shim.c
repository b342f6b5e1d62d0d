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
#include <errno.h>
#include <arpa/inet.h>

int meridian_subject_entry(X509 *cert, int nid, char *buf, int size) {
    X509_NAME *name = X509_get_subject_name(cert);
    if (name == NULL) return -1;
    return X509_NAME_get_text_by_NID(name, nid, buf, size);
}

static int verify_role(int preverify_ok, X509_STORE_CTX *store, const char *wanted) {
    if (!preverify_ok) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    char ou[64];
    if (leaf == NULL || meridian_subject_entry(leaf, NID_organizationalUnitName, ou, sizeof ou) < 0
        || strcmp(ou, wanted) != 0) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
        return 0;
    }
    return 1;
}

int meridian_verify_coordinator_peer(int preverify_ok, X509_STORE_CTX *store) {
    return verify_role(preverify_ok, store, "meridian-coordinator");
}

int meridian_verify_agent_peer(int preverify_ok, X509_STORE_CTX *store) {
    return verify_role(preverify_ok, store, "meridian-agent");
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
