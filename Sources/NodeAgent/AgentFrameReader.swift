import ClockSync
import HostSystem
import SecureTransport
import WireProtocol

/// Reads the agent's request frames from one connection, each within the shared `FrameBudget`.
///
/// Not thread-safe: it belongs to the connection's thread, like the `TLSConnection` it reads.
struct AgentFrameReader {
    enum Outcome {
        /// A whole payload; `reserved` bytes of the budget are held until `release`.
        case frame([UInt8], reserved: Int)
        /// The budget stayed full: the frame of `length` bytes was read and dropped unbuffered.
        case skipped(length: Int)
        /// The peer closed cleanly between frames.
        case closed
    }

    let connection: TLSConnection
    let budget: FrameBudget
    /// How long a frame may wait for budget before it is skipped and answered "busy".
    let budgetWait: Duration
    private var decoder: FrameDecoder
    private static let readChunk = 16 * 1024

    init(connection: TLSConnection, maxPayload: Int, budget: FrameBudget, budgetWait: Duration) {
        self.connection = connection
        self.budget = budget
        self.budgetWait = budgetWait
        decoder = FrameDecoder(maxPayload: maxPayload)
    }

    /// The next frame. `timeout` bounds the whole frame, so a peer that sends half a frame and
    /// stalls is dropped. Throws `FrameError` for a zero or oversized length, `TransportError`
    /// otherwise (`.closed` for a frame cut off by the peer, `.timedOut` past the deadline).
    mutating func next(timeout: Duration) throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var reserved = 0
        var skipped: Int?
        do {
            while true {
                if reserved == 0, skipped == nil, let length = decoder.pendingFrameLength, length > 0, length <= decoder.maxPayload {
                    let cost = budget.cost(of: length)
                    if budget.reserve(cost, until: min(deadline, ContinuousClock.now + budgetWait)) {
                        reserved = cost
                    } else {
                        decoder.discardNextFrame()
                        skipped = length
                    }
                }
                if let skipped, !decoder.isDiscarding { return .skipped(length: skipped) }
                if let payload = try decoder.next() { return .frame(payload, reserved: reserved) }
                // The message names the configured timeout, not the time that was left.
                let timedOut = TransportError(.timedOut, "no complete frame from \(connection.remoteDescription) within the idle timeout (\(Durations.duration(timeout.seconds)))")
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw timedOut }
                let bytes: [UInt8]
                do { bytes = try connection.read(maxBytes: Self.readChunk, timeout: remaining) } catch {
                    throw error.kind == .timedOut ? timedOut : error
                }
                if bytes.isEmpty {
                    if decoder.bufferedByteCount > 0 || decoder.isDiscarding {
                        throw TransportError(.closed, "\(connection.remoteDescription) closed the connection in the middle of a frame")
                    }
                    return .closed
                }
                decoder.append(bytes)
            }
        } catch {
            budget.release(reserved)
            throw error
        }
    }

    func release(_ reserved: Int) { budget.release(reserved) }
}
