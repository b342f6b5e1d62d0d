internal import Glibc
import Synchronization
import WireProtocol
import ClockSync

/// One apply at a time, whoever starts it: `meridian apply`, `meridian clock set` and the
/// service's `cluster.apply` / `clock.set` all take an exclusive `flock` on `apply.lock` beside
/// the cluster file (next to `apply-journal.jsonl`).
///
/// `flock` rather than a pid file: the kernel drops the lock when the holder's descriptor closes,
/// including when the process is killed with SIGKILL, so a crashed apply never leaves a stale lock
/// behind and there is nothing to clean up on restart. The holder writes who it is into the file
/// (pid, who, job id, start time) so a refused caller can name it.
///
/// The lock belongs to the open file description: two `acquire` calls in one process conflict
/// as two processes do.
public final class ApplyLock: Sendable {
    /// Who holds the lock, as written into the lock file.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        /// The person or certificate behind it: `"cli uid 0"`, `"operator alice"`, `"local uid 0"`.
        public var who: String
        /// The service's job id, nil for a CLI run.
        public var job: String?
        /// What runs: `"apply"` or `"clock set"`.
        public var action: String
        /// Seconds since the epoch when it started.
        public var started: Double

        public init(pid: Int32? = nil, who: String, job: String? = nil, action: String, started: Double? = nil) {
            self.pid = pid ?? getpid(); self.who = who; self.job = job; self.action = action; self.started = started ?? WallClock.now().asDouble
        }

        /// A CLI run (`meridian apply`, `meridian clock set`) by this process's user.
        public static func commandLine(action: String) -> Holder {
            Holder(who: "meridian \(action) (cli, uid \(getuid()))", action: action)
        }

        public var json: JSONValue {
            .object([
                "pid": .integer(Int64(pid)), "who": .string(who), "job": job.map(JSONValue.string) ?? .null,
                "action": .string(action), "started": .number(started),
            ])
        }

        public init?(json: JSONValue) {
            guard let pid = json["pid"]?.intValue, let narrow = Int32(exactly: pid), let who = json["who"]?.stringValue,
                  let action = json["action"]?.stringValue, let started = json["started"]?.doubleValue, started.isFinite else { return nil }
            self.init(pid: narrow, who: who, job: json["job"]?.stringValue, action: action, started: started)
        }

        /// `apply job apply-3 started by operator alice at 2026-12-02 01:10:05 UTC (pid 4242)`.
        public var description: String {
            let what = job.map { "\(action) job \($0)" } ?? action
            let whole = started.rounded(.down)
            let when = (whole >= -9e15 && whole <= 9e15) ? CivilTime.utcText(epochSeconds: Int64(whole)) : "an unknown time"
            return "\(what) started by \(who) at \(when) (pid \(pid))"
        }
    }

    public enum Attempt: Sendable {
        case acquired(ApplyLock)
        /// Held by someone else; nil when the holder has not written its name yet (or the file
        /// is unreadable).
        case busy(Holder?)
    }

    public let path: String
    /// The descriptor, -1 once released.
    private let fd: Mutex<Int32>

    /// False when the lock file could only be opened read-only (its holder line stays as it was).
    public let writable: Bool

    private init(path: String, fd: Int32, writable: Bool) {
        self.path = path
        self.fd = Mutex(fd)
        self.writable = writable
    }

    deinit { release() }

    /// `apply.lock` in the cluster file's directory.
    public static func path(besideClusterFile clusterFile: String) -> String {
        AtomicFile.parentDirectory(of: clusterFile) + "/apply.lock"
    }

    /// Takes the lock without waiting, or reports who holds it.
    public static func acquire(at path: String, holder: Holder) throws(HostError) -> Attempt {
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        var writable = true
        if descriptor < 0 && (errno == EROFS || errno == EACCES) {
            // A sandboxed service (ProtectSystem=strict) may only read the cluster file's
            // directory: flock works on a read-only descriptor, the holder line cannot be written.
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            writable = false
        }
        guard descriptor >= 0 else {
            throw HostError(.io, "cannot open the apply lock \(path): \(Errno.current) (a sandboxed service needs ReadWritePaths= for it)")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if error == EINTR { continue }
            close(descriptor)
            if error == EWOULDBLOCK { return .busy(currentHolder(at: path)) }
            throw HostError(.io, "cannot lock \(path): \(Errno(rawValue: error))")
        }
        guard writable else { return .acquired(ApplyLock(path: path, fd: descriptor, writable: false)) }
        let bytes = holder.json.encodedBytes() + [0x0A]
        var failure: String?
        if ftruncate(descriptor, 0) != 0 { failure = "truncate: \(Errno.current)" }
        var offset = 0
        while failure == nil && offset < bytes.count {
            let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            if written < 0 { if errno == EINTR { continue }; failure = "write: \(Errno.current)" } else { offset += written }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = "fsync: \(Errno.current)" }
        if let failure {
            close(descriptor)
            throw HostError(.io, "cannot record the apply lock's holder in \(path): \(failure)")
        }
        return .acquired(ApplyLock(path: path, fd: descriptor, writable: true))
    }

    /// The holder named in the file. A holder that just took the lock may not have written its
    /// name yet: a few short retries cover that window.
    public static func currentHolder(at path: String) -> Holder? {
        for attempt in 0..<5 {
            if let bytes = try? AtomicFile.read(path, limit: 64 * 1024), let json = try? JSONValue(parsing: bytes),
               let holder = Holder(json: json) { return holder }
            if attempt < 4 { ChildProcess.sleep(.milliseconds(20)) }
        }
        return nil
    }

    /// True when some process holds the lock now (the file says who; the flock says whether).
    public static func isHeld(at path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        return false
    }

    /// Empties the holder line and drops the lock. Idempotent.
    public func release() {
        fd.withLock { descriptor in
            guard descriptor >= 0 else { return }
            if writable { _ = ftruncate(descriptor, 0) }
            close(descriptor)  // closing the only descriptor of the description releases the flock
            descriptor = -1
        }
    }

    /// What a refused apply is told, by the CLI and by the API (-32010) alike.
    public static func busyMessage(_ holder: Holder?) -> String {
        "busy: \(holder.map(\.description) ?? "another apply (its holder has not named itself yet)") is running; retry when it has finished"
    }
}
