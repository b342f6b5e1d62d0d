import HostSystem
import JSONCore
import SecureTransport
import Synchronization

/// The apply journal: append-only, one JSON line per step and node, fsynced, so an interrupted
/// apply can be understood afterwards and simply run again.
public final class ApplyJournal: Sendable {
    public let path: String
    private let lock = Mutex(())

    public init(path: String) { self.path = path }

    public func record(node: String, step: String, outcome: String, detail: String = "") {
        let now = WallClock.now()
        let line = JSONValue.object([
            "time": .number(now.asDouble), "node": .string(node), "step": .string(step),
            "outcome": .string(outcome), "detail": .string(detail),
        ]).encodedBytes() + [0x0A]
        lock.withLock { _ in
            // A journal that cannot be written must not stop the apply; the console still reports.
            try? AtomicFile.append(line, to: path)
        }
    }
}
