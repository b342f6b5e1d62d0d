internal import Glibc
import Synchronization

/// The write end of the self-pipe the signal handler writes to (-1 before `install`).
private let terminationPipeWrite = Atomic<Int32>(-1)

/// SIGTERM/SIGINT for `meridian serve`, by a handler that writes the signal's number to a pipe.
///
/// Not `ServiceManager`'s sigwait: that needs the signals blocked in every thread, from the
/// first, and `meridian` is an async command whose cooperative threads exist before `serve`
/// runs. A handler works whichever thread the kernel picks, and only calls `write` (safe in a
/// handler); the service waits on the pipe's read end on a thread of its own.
struct TerminationSignal: Sendable {
    let readFD: Int32

    static func install() throws(ServiceError) -> TerminationSignal {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ServiceError(.io, "cannot make the signal pipe: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        terminationPipeWrite.store(fds[1], ordering: .sequentiallyConsistent)
        let handler: @convention(c) (Int32) -> Void = { number in
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(terminationPipeWrite.load(ordering: .relaxed), &byte, 1)
        }
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            guard sigaction(number, &action, nil) == 0 else { throw ServiceError(.io, "cannot handle signal \(number): errno \(errno)") }
        }
        // Termination signals blocked by a parent (ServiceManager.blockTerminationSignals in
        // this thread) would never reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return TerminationSignal(readFD: fds[0])
    }

    /// Blocks until a signal arrives; returns its number.
    func wait() -> Int32 {
        var byte: UInt8 = 0
        while true {
            let n = read(readFD, &byte, 1)
            if n == 1 { return Int32(byte) }
            if n < 0 && errno == EINTR { continue }
            return SIGTERM
        }
    }

    /// Wakes `wait` as if SIGTERM had come (tests, and a fatal error in a component).
    static func raise() {
        var byte = UInt8(truncatingIfNeeded: SIGTERM)
        _ = write(terminationPipeWrite.load(ordering: .relaxed), &byte, 1)
    }
}
