import HostSystem
import Synchronization

/// The server's memory budget for frames in flight, shared by all connections.
///
/// A frame reserves `cost(of:)` bytes as soon as its header announces its length, before its
/// payload is buffered, and releases them once it has been answered. The cost counts the parse:
/// a JSON payload turns into a tree that can take about 11 times its size (measured: 1 MiB of
/// small array elements took 11 MB), so the budget bounds the agent's peak memory, not just
/// its buffers. One frame alone may always take the whole budget, so any frame within
/// `max_frame_bytes` can be served on an otherwise quiet agent.
final class FrameBudget: Sendable {
    /// Parse cost per payload byte, plus the payload itself.
    static let costFactor = 12

    let limit: Int
    private let used = ThreadCondition(0)

    init(limit: Int) { self.limit = max(1, limit) }

    func cost(of length: Int) -> Int {
        let (product, overflow) = length.multipliedReportingOverflow(by: Self.costFactor)
        return overflow ? limit : min(product, limit)
    }

    var reserved: Int { used.withLock { $0 } }

    /// Reserves `bytes`, waiting until `deadline` for other frames to finish; false if they did not.
    /// Blocks the calling thread (a connection's own thread, never the cooperative pool).
    func reserve(_ bytes: Int, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let granted = used.withLock { used -> Bool in
                guard used <= limit - bytes else { return false }
                used += bytes
                return true
            }
            if granted { return true }
            if ContinuousClock.now >= deadline { return false }
            ChildProcess.sleep(.milliseconds(2))
        }
    }

    func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }
}
