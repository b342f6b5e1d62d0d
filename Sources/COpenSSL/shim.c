#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/un.h>
#include <signal.h>
#include "COpenSSL.h"
#include <string.h>
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

int meridian_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
short meridian_posix_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }
int meridian_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

int meridian_sd_notify(const char *socket_path, const char *message) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    size_t length = strlen(socket_path);
    if (length == 0 || length >= sizeof address.sun_path) { errno = EINVAL; return -1; }
    memcpy(address.sun_path, socket_path, length);
    if (socket_path[0] == '@') address.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    ssize_t sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&address,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length));
    close(fd);
    return sent < 0 ? -1 : 0;
}

static sigset_t termination_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

int meridian_block_termination_signals(void) {
    sigset_t set = termination_signals();
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int meridian_wait_termination_signal(void) {
    sigset_t set = termination_signals();
    int signal_number = 0;
    while (sigwait(&set, &signal_number) != 0) {}
    return signal_number;
}
