#ifndef MERIDIAN_CHOSTSYSTEM_H
#define MERIDIAN_CHOSTSYSTEM_H
// The host doorway of Meridian: the Glibc process, thread and signal bits Swift cannot import
// (macros and _GNU_SOURCE extensions). Only the HostSystem module imports it.
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>

/// Glibc extensions (need _GNU_SOURCE, which only shim.c defines).
int meridian_pipe_cloexec(int fds[2]);
short meridian_posix_spawn_setsid_flag(void);
/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child closes every descriptor
/// from `lowest` up, so it inherits none of the caller's (a test's lock, a capture pipe).
int meridian_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);
int meridian_set_thread_name(const char *name);

/// systemd's notify protocol: one datagram to $NOTIFY_SOCKET (a path, or "@name" for the
/// abstract namespace). Returns 0 when sent, -1 otherwise (errno set).
int meridian_sd_notify(const char *socket_path, const char *message);
/// Blocks SIGTERM and SIGINT in the calling thread (and threads created after), so one thread
/// can take them with meridian_wait_termination_signal().
int meridian_block_termination_signals(void);
/// Waits for SIGTERM or SIGINT; returns the signal number.
int meridian_wait_termination_signal(void);

static inline int meridian_ignore_sigpipe(void) {
    struct sigaction action = {0};
    action.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &action, 0);
}
/// mallopt(M_ARENA_MAX, arenas) and mallopt(M_MMAP_THRESHOLD, mmap_threshold): at most `arenas`
/// malloc arenas, and blocks from `mmap_threshold` bytes up always mmapped (returned on free).
int meridian_bound_malloc(int arenas, int mmap_threshold);
#endif
