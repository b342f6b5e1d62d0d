import Glibc
import HostSystem
@testable import Coordinator
import JSONCore
import Synchronization
import TestSupport

/// A moment during an apply at which a fault test SIGKILLs a process. Each is observed from
/// outside (a file appearing or changing, a pid changing, a journal line), so the kill lands at
/// the same step however loaded the machine is; the watcher polls every millisecond on a thread
/// of its own.
enum FaultPoint: Sendable, CustomStringConvertible {
    /// The agent kept a timestamped backup of the old chrony.conf (just before writing the new).
    case backupWritten
    /// The agent's temporary file beside chrony.conf exists (between create and rename; a short
    /// window, so the watcher may miss it, and the test says when it did).
    case temporaryFileCreated
    /// chrony.conf no longer holds the old text.
    case configReplaced
    /// chronyd runs with another pid than before the apply (the restart happened).
    case chronydRestarted
    /// The new chronyd is up (its command socket exists): the agent waits for it to sync.
    case waitingForSync
    /// The journal has a line for this node and step.
    case journalLine(node: String, step: String)

    var description: String {
        switch self {
        case .backupWritten: "after the backup is written"
        case .temporaryFileCreated: "while the temporary file exists"
        case .configReplaced: "after chrony.conf is replaced"
        case .chronydRestarted: "after chronyd restarted"
        case .waitingForSync: "while the agent waits for chronyd to sync"
        case .journalLine(let node, let step): "after the journal records \(node) \(step)"
        }
    }

    /// What the watcher compares against.
    struct Baseline: Sendable {
        var layout: LabLayout
        var node: String
        var oldConfig: String
        var chronyd: Int32?
        var backups: Set<String>
    }

    func reached(_ base: Baseline) -> Bool {
        let conf = base.layout.chronyConf(base.node)
        switch self {
        case .backupWritten:
            return !Set(AtomicFile.list(base.layout.root(base.node) + "/var/lib/meridian/backups")).subtracting(base.backups).isEmpty
        case .temporaryFileCreated:
            return AtomicFile.list(AtomicFile.parentDirectory(of: conf)).contains { $0.hasPrefix("chrony.conf.meridian-tmp-") }
        case .configReplaced:
            return (try? readText(conf)).map { $0 != base.oldConfig } ?? false
        case .chronydRestarted:
            return LabProcesses.chronydPID(base.layout, node: base.node).map { $0 != base.chronyd } ?? false
        case .waitingForSync:
            return FaultPoint.chronydRestarted.reached(base) && AtomicFile.exists(base.layout.socket(base.node))
        case .journalLine(let node, let step):
            let lines = ((try? readText(base.layout.journal)) ?? "").split(separator: "\n")
            return lines.contains { line in
                guard let json = try? JSONValue(parsing: Array(line.utf8)) else { return false }
                return json["node"]?.stringValue == node && json["step"]?.stringValue == step
            }
        }
    }

    /// The temporary file lives for a write, a chmod and an fsync only, and the new chrony.conf
    /// follows the backup within microseconds: too short for polling, so inotify reports the
    /// event and the agent is stopped (SIGSTOP, at once) on the spot.
    static func killOnCreate(_ directory: String, mask: UInt32, prefix: String, pid: Int32, done: DoneFlag) -> Bool {
        let fd = inotify_init1(0o2000000)  // IN_CLOEXEC
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard inotify_add_watch(fd, directory, mask) >= 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let deadline = ContinuousClock.now + .seconds(300)
        while !done.isSet, ContinuousClock.now < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 20) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            // struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of name.
            var offset = 0
            while offset + 16 <= count {
                let length = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8 | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                let end = min(offset + 16 + length, count)
                let name = String(decoding: buffer[(offset + 16)..<end].prefix { $0 != 0 }, as: UTF8.self)
                if name.hasPrefix(prefix) && (mask == 0x100 || !name.contains(".meridian-tmp-")) {
                    killTree(pid)
                    return true
                }
                offset = end
            }
        }
        return false
    }

    /// SIGKILL to `pid` and every process it started, as systemd does to a service's cgroup
    /// when it dies (KillMode=control-group): a stopped agent's half-run `restart_chrony` must
    /// not finish the job behind the test's back. SIGSTOP first, so no child slips out between
    /// listing and killing.
    /// chronyd is left alone: on a node it runs in chrony.service's own cgroup, not the agent's
    /// (in the lab it is a child of the agent's `restart_chrony` command).
    static func killTree(_ pid: Int32) {
        ChildProcess.signal(pid, 19)  // SIGSTOP
        var tree = [pid]
        var index = 0
        while index < tree.count {
            tree += children(of: tree[index]).filter { command(of: $0) != "chronyd" }
            index += 1
        }
        for member in tree { ChildProcess.signal(member, 9) }
    }

    static func command(of pid: Int32) -> String {
        String(decoding: (try? AtomicFile.read("/proc/\(pid)/comm", limit: 256)) ?? [], as: UTF8.self).trimmingWhitespace
    }

    /// Processes whose parent is `pid` (field 4 of /proc/PID/stat, after the parenthesised name).
    static func children(of pid: Int32) -> [Int32] {
        AtomicFile.list("/proc").compactMap(Int32.init).filter { candidate in
            guard let stat = try? AtomicFile.read("/proc/\(candidate)/stat", limit: 4096),
                  let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return false }
            let fields = String(decoding: stat[(close + 2)...], as: UTF8.self).split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// Polls until the point is reached, then SIGKILLs `pid()` and its children, returns true; false when
    /// `done` is set first (the apply finished without passing the point) or after 5 minutes.
    static func kill(at point: FaultPoint, _ base: Baseline, pid: @escaping @Sendable () -> Int32?, done: DoneFlag) -> Bool {
        // The first two points come and go within microseconds of the next step: inotify.
        if case .temporaryFileCreated = point, let target = pid() {
            let conf = base.layout.chronyConf(base.node)
            return killOnCreate(AtomicFile.parentDirectory(of: conf), mask: 0x100 /* IN_CREATE */, prefix: "chrony.conf.meridian-tmp-", pid: target, done: done)
        }
        if case .backupWritten = point, let target = pid() {
            let backups = base.layout.root(base.node) + "/var/lib/meridian/backups"
            return killOnCreate(backups, mask: 0x80 /* IN_MOVED_TO: renamed into place */, prefix: "chrony.conf.", pid: target, done: done)
        }
        let deadline = ContinuousClock.now + .seconds(300)
        while !done.isSet, ContinuousClock.now < deadline {
            if point.reached(base), let target = pid() {
                killTree(target)
                return true
            }
            ChildProcess.sleep(.milliseconds(1))
        }
        return false
    }
}

/// Set by the test when the apply it watches has returned.
final class DoneFlag: Sendable {
    private let state = Atomic<Bool>(false)
    func set() { state.store(true, ordering: .releasing) }
    var isSet: Bool { state.load(ordering: .acquiring) }
}
