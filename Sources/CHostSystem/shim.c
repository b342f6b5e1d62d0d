#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <stddef.h>
#include <errno.h>
#include "CHostSystem.h"

int meridian_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
short meridian_posix_spawn_setsid_flag(void) { return POSIX_SPAWN_SETSID; }
int meridian_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}
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


#include <malloc.h>
int meridian_bound_malloc(int arenas, int mmap_threshold) {
    int ok = mallopt(M_ARENA_MAX, arenas);
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) && ok;
}
