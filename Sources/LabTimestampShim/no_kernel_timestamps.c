// Lab only: preloaded into the lab's chronyd next to libfaketime.
//
// libfaketime shifts what clock_gettime() returns, but the kernel's packet receive timestamps
// (SO_TIMESTAMP*) stay on the real clock. chronyd would then mix a faked transmit time with a
// real receive time, mis-measure small offsets by the node's own skew and reject the samples.
// Refusing the timestamping socket options makes chronyd fall back to its own (faked) clock for
// every timestamp, as a real node whose kernel clock is off would see it.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include "LabTimestampShim.h"

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
    static setsockopt_fn real;
    if (real == 0) real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
    // SO_TIMESTAMP, SO_TIMESTAMPNS, SO_TIMESTAMPING: the _OLD (29, 35, 37) and _NEW (63, 64, 65) numbers.
    if (level == SOL_SOCKET && (name == 29 || name == 35 || name == 37 || name == 63 || name == 64 || name == 65)) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (real == 0) { errno = ENOSYS; return -1; }
    return real(fd, level, name, value, length);
}

int meridian_lab_timestamp_shim_version(void) { return 1; }
