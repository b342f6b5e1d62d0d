#ifndef MERIDIAN_COPENSSL_H
#define MERIDIAN_COPENSSL_H
// The TLS doorway of Meridian: OpenSSL 3 plus the few Glibc socket bits Swift cannot import.
// (Processes, signals and the service manager are HostSystem's, behind CHostSystem.)
// Swift imports functions, not macros; the static inline wrappers below expose the macros we use.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

static inline int meridian_ctx_set_tls13_only(SSL_CTX *ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) return 0;
    if (SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) return 0;
    return 1;
}

/// Swift arrays may move between a failed non-blocking SSL_write and its retry.
static inline void meridian_ctx_set_modes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

/// Tests only (TLSContext+Testing.swift): a client that offers TLS 1.2 and nothing newer.
static inline int meridian_ctx_set_tls12_only(SSL_CTX *ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    if (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    return 1;
}

/// The HTTPS listener (TLSContext+HTTPS.swift): TLS 1.3 preferred, TLS 1.2 allowed (browsers,
/// curl and Prometheus may still speak it) with ECDHE key exchange and AEAD ciphers only;
/// TLS 1.1 and older are refused.
static inline int meridian_ctx_set_https_profile(SSL_CTX *ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    if (SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) return 0;
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    return SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL");
}

/// Tests only: a context that uses session tickets (a client keeps them, a server issues
/// them), to prove the agent sends none and that the test would see one.
static inline int meridian_ctx_use_tickets(SSL_CTX *ctx) {
    static const unsigned char context[] = "meridian-test";
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (SSL_CTX_set_num_tickets(ctx, 2) != 1) return 0;
    return SSL_CTX_set_session_id_context(ctx, context, sizeof context - 1);
}

static inline int meridian_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int meridian_err_reason(unsigned long e) { return ERR_GET_REASON(e); }
static inline int meridian_err_lib(unsigned long e) { return ERR_GET_LIB(e); }

static inline void meridian_openssl_free(void *p) { OPENSSL_free(p); }

static inline long meridian_bio_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }

static inline EVP_PKEY *meridian_ec_p256_keygen(void) { return EVP_EC_gen("P-256"); }

static inline int meridian_general_names_count(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline const GENERAL_NAME *meridian_general_names_at(const GENERAL_NAMES *names, int i) {
    return sk_GENERAL_NAME_value(names, i);
}
static inline void meridian_general_names_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }

/// Role check during verification (see certs/README.md): the leaf must carry exactly one OU,
/// `OU=meridian-<role>`, the EKU of the role (clientAuth for the coordinator, serverAuth for
/// the agent) and must not be a CA. A policy failure fails the handshake as
/// X509_V_ERR_INVALID_PURPOSE, which OpenSSL answers with an `unsupported_certificate` alert.
int meridian_verify_coordinator_peer(int preverify_ok, X509_STORE_CTX *store);
int meridian_verify_agent_peer(int preverify_ok, X509_STORE_CTX *store);
/// The API's peers: exactly one OU, `meridian-operator` or `meridian-operator-read-only`, EKU
/// clientAuth, not a CA (coordinator and agent certificates are refused as the wrong role).
int meridian_verify_operator_peer(int preverify_ok, X509_STORE_CTX *store);

/// Why the leaf broke the role policy (the `policy` out-value of meridian_verify_failure).
enum {
    MERIDIAN_POLICY_NONE = 0,
    MERIDIAN_POLICY_WRONG_OU = 1,
    MERIDIAN_POLICY_SEVERAL_OU = 2,
    MERIDIAN_POLICY_IS_CA = 3,
    MERIDIAN_POLICY_NO_EKU = 4,
    MERIDIAN_POLICY_WRONG_EKU = 5,
};
/// The first verification failure our callback saw on `ssl` (the X509_V_ERR_* code before it
/// was changed for the alert) and the policy reason; X509_V_OK when verification did not fail.
int meridian_verify_failure(const SSL *ssl, int *policy);

/// Extracts the OU of a certificate subject into buf; returns its length or -1.
int meridian_subject_entry(X509 *cert, int nid, char *buf, int size);

/// A certificate request signed by `key`: subject O=Meridian, OU=`ou`, CN=`cn`, with the
/// subjectAltName extension `san` (OpenSSL syntax, e.g. "DNS:pve1,IP:192.168.1.10").
X509_REQ *meridian_csr_create(EVP_PKEY *key, const char *ou, const char *cn, const char *san);
/// The request's subjectAltName as "DNS:pve1,IP:192.168.1.10" (entries in order); length or -1.
int meridian_csr_san_text(X509_REQ *req, char *out, int size);
/// The same for a certificate.
int meridian_cert_san_text(X509 *cert, char *out, int size);

/// Fills `sa` from a numeric IPv4/IPv6 literal. Returns the address length, or 0.
socklen_t meridian_sockaddr_from_numeric(const char *host, unsigned short port, struct sockaddr_storage *sa);
/// Writes the numeric host and port of `sa` (for error messages).
int meridian_sockaddr_describe(const struct sockaddr_storage *sa, char *host, int hostlen, unsigned short *port);

/// accept4(fd, sa, len, SOCK_CLOEXEC | SOCK_NONBLOCK): the new descriptor is close-on-exec from
/// its first instant, so a concurrent posix_spawn (chronyc, systemctl) can never inherit it.
int meridian_accept_cloexec(int fd, struct sockaddr_storage *sa, socklen_t *len);

/// A listening Unix stream socket at `path` (non-blocking, close-on-exec), created with mode
/// 0600 (umask 0177 around bind, then chmod). A socket file already at `path` is replaced if no
/// server answers on it; anything else there is left alone. Returns the fd, or -1 with errno set
/// (EADDRINUSE: a live server answers; EEXIST: not a socket; ENAMETOOLONG: path over 107 bytes).
int meridian_unix_listen(const char *path, int backlog);
/// Starts a non-blocking connect to the Unix socket at `path`; the fd, or -1 with errno set.
/// EINPROGRESS/EAGAIN are reported through *pending = 1 (wait for writable, then SO_ERROR).
int meridian_unix_connect(const char *path, int *pending);
/// The uid of the process at the other end of a Unix socket (SO_PEERCRED); 0 or -1 with errno.
int meridian_peer_uid(int fd, unsigned int *uid);
/// accept4 on a Unix socket (close-on-exec, non-blocking); no address is returned.
int meridian_unix_accept(int fd);

#endif
