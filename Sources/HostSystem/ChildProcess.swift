internal import CHostSystem
internal import Glibc

/// What a finished command left behind. `status` is the exit code, or 128 + signal number.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var standardOutput: [UInt8]
    public var standardError: [UInt8]
    public var timedOut: Bool
    public var outputTruncated: Bool

    public var stdout: String { String(decoding: standardOutput, as: UTF8.self) }
    public var stderr: String { String(decoding: standardError, as: UTF8.self) }
    public var succeeded: Bool { status == 0 && !timedOut }
}

/// Child processes by argv — never through a shell — with a deadline and bounded captured output.
///
/// Blocking: call from a dedicated thread. Children get SIGPIPE back at its default disposition
/// and an empty signal mask, whatever our process ignores.
public enum ChildProcess {
    /// Runs `argv` to completion or until `timeout`, then kills it (SIGKILL to its process group,
    /// so its own children die with it). `environment` nil inherits ours; otherwise it is the
    /// complete environment. At most `maxOutput` bytes of each of stdout and stderr are kept
    /// (`outputTruncated` says when more came); the rest is read and dropped so the child never blocks.
    public static func run(
        _ argv: [String], environment: [String: String]? = nil, input: [UInt8] = [],
        timeout: Duration, maxOutput: Int = 1 << 20
    ) throws(HostError) -> CommandResult {
        guard let program = argv.first, !program.isEmpty else { throw HostError(.config, "empty command") }
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        guard meridian_pipe_cloexec(&outPipe) == 0, meridian_pipe_cloexec(&errPipe) == 0, meridian_pipe_cloexec(&inPipe) == 0 else {
            let reason = Errno.current
            for fd in outPipe + errPipe + inPipe where fd >= 0 { Glibc.close(fd) }
            throw HostError(.io, "cannot create pipes for \(program): \(reason)")
        }
        let pid: pid_t
        do {
            pid = try spawn(argv, environment: environment, stdin: inPipe[0], stdout: outPipe[1], stderr: errPipe[1], newSession: false)
        } catch {
            for fd in outPipe + errPipe + inPipe { Glibc.close(fd) }
            throw error
        }
        Glibc.close(outPipe[1]); Glibc.close(errPipe[1]); Glibc.close(inPipe[0])
        // stdin is fed inside the poll loop, non-blocking: a child that never reads it (a hung
        // hook given more than a pipe's 64 KiB) cannot hold us past the deadline. Needs SIGPIPE
        // ignored (ProcessSignals) when the child may exit before reading.
        var stdinFD: Int32 = inPipe[1]
        var written = 0
        if input.isEmpty || fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK) != 0 {
            Glibc.close(stdinFD); stdinFD = -1
        }
        var out: [UInt8] = [], err: [UInt8] = []
        var truncated = false, timedOut = false
        var open = [outPipe[0], errPipe[0]]
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !open.isEmpty || stdinFD >= 0 {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { timedOut = true; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ms = Int32(min(Double(Int32.max), max(1, remaining.seconds * 1000)))
            let ready = poll(&fds, nfds_t(fds.count), ms)
            if ready < 0 { if errno == EINTR { continue }; break }
            for entry in fds where entry.revents != 0 && entry.fd == stdinFD {
                let n = input.withUnsafeBytes { raw in write(stdinFD, raw.baseAddress.map { $0 + written }, raw.count - written) }
                if n > 0 { written += n }
                if written >= input.count || (n < 0 && errno != EINTR && errno != EAGAIN) || (entry.revents & Int16(POLLOUT)) == 0 {
                    Glibc.close(stdinFD); stdinFD = -1
                }
            }
            for entry in fds where entry.revents != 0 && entry.fd != inPipe[1] {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    let chunk = buffer[0..<n]
                    if entry.fd == outPipe[0] {
                        if out.count < maxOutput { out += chunk.prefix(maxOutput - out.count) } else { truncated = true }
                    } else {
                        if err.count < maxOutput { err += chunk.prefix(maxOutput - err.count) } else { truncated = true }
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        Glibc.close(outPipe[0]); Glibc.close(errPipe[0])
        if stdinFD >= 0 { Glibc.close(stdinFD) }
        // The child leads its own process group (POSIX_SPAWN_SETPGROUP, pgroup 0), so -pid reaches
        // whatever it started too (a shell's `sleep &`). It is not reaped yet, so the group exists.
        if timedOut { kill(-pid, SIGKILL) }
        let status = waitStatus(pid)
        return CommandResult(status: status, standardOutput: out, standardError: err, timedOut: timedOut, outputTruncated: truncated)
    }

    /// Starts a long-running child in its own session with output appended to `logPath`;
    /// returns its pid. The lab uses this for chronyd and agents.
    public static func spawnDetached(
        _ argv: [String], environment: [String: String]? = nil, logPath: String
    ) throws(HostError) -> Int32 {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw HostError(.io, "cannot open log \(logPath): \(Errno.current)") }
        defer { Glibc.close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { Glibc.close(null) } }
        return try spawn(argv, environment: environment, stdin: null, stdout: log, stderr: log, newSession: true)
    }

    /// Reaps `pid` if it is our child and has exited; returns its status, or nil while it runs.
    public static func reap(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        guard rc == pid else { return nil }
        return decode(status)
    }

    /// True while `pid` runs. A zombie (exited, not yet reaped by a parent that is not us — the
    /// lab's restarted chronyd belongs to init once its starter exits) counts as gone.
    public static func isAlive(_ pid: Int32) -> Bool {
        _ = reap(pid)
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? AtomicFile.read("/proc/\(pid)/stat", limit: 4096),
              let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return true }
        return stat[close + 2] != UInt8(ascii: "Z")
    }

    public static func signal(_ pid: Int32, _ signal: Int32 = 15 /* SIGTERM */) { kill(pid, signal) }

    // MARK: -

    private static func spawn(
        _ argv: [String], environment: [String: String]?, stdin: Int32, stdout: Int32, stderr: Int32, newSession: Bool
    ) throws(HostError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Nothing else of ours crosses over: a long-lived child (the lab's containers and clock
        // loop, a daemon) holding a descriptor it was never meant to have keeps a caller's flock
        // held or a `$(…)` capture open after the caller is gone.
        _ = meridian_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE); sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= Int32(meridian_posix_spawn_setsid_flag()) } else {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let env = (environment ?? currentEnvironment()).map { "\($0.key)=\($0.value)" }.sorted()
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in
                argv[0].contains("/")
                    ? posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
                    : posix_spawnp(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
            }
        }
        guard rc == 0 else {
            throw HostError(.io, "cannot run \(argv[0]): \(Errno(rawValue: rc))")
        }
        return pid
    }

    private static func waitStatus(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 { if errno != EINTR { return -1 } }
        return decode(status)
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Our own environment, to copy and amend for a child.
    public static var inheritedEnvironment: [String: String] { currentEnvironment() }

    /// Sleeps the calling (dedicated) thread.
    public static func sleep(_ duration: Duration) {
        var spec = timespec(tv_sec: Int(duration.components.seconds), tv_nsec: Int(duration.components.attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&spec, &remaining) != 0 && errno == EINTR { spec = remaining }
    }

    static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { result[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            pointer += 1
        }
        return result
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

}

extension Duration {
    /// Seconds as a Double (for poll timeouts and printing).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
