import WireProtocol

/// Reads length-prefixed frames (PROTOCOL.md §2) from one stream: the one frame reader of both
/// the clients (`FramedConnection`) and the servers (RPCServer, which adds a memory budget).
///
/// Not thread-safe: it belongs to the thread that reads the stream.
public struct FrameReader {
    public enum Outcome: Equatable {
        /// A whole payload; `reserved` bytes of the reader's budget are held until released.
        case frame([UInt8], reserved: Int)
        /// The budget stayed full: the frame of `length` bytes was read and dropped unbuffered.
        case skipped(length: Int)
        /// The peer closed cleanly between frames.
        case closed
    }

    /// Asked once per frame, as soon as its header announces `length` (before its payload is
    /// buffered): the bytes reserved for it, or nil to read the frame and drop it unbuffered.
    /// `deadline` is the frame's own; the budget may wait until then, no longer.
    public typealias Reserve = (_ length: Int, _ deadline: ContinuousClock.Instant) -> Int?

    public let stream: any FrameStream
    private var decoder: FrameDecoder
    private let reserve: Reserve?
    private let release: ((Int) -> Void)?
    /// How the timeout is named in the error (`"timeout"`, `"idle timeout"`).
    private let timeoutName: String
    private static let readChunk = 16 * 1024

    public init(stream: any FrameStream, maxPayload: Int = Frame.defaultMaxPayload, timeoutName: String = "timeout",
                reserve: Reserve? = nil, release: ((Int) -> Void)? = nil) {
        self.stream = stream
        decoder = FrameDecoder(maxPayload: maxPayload)
        self.reserve = reserve
        self.release = release
        self.timeoutName = timeoutName
    }

    public var bufferedByteCount: Int { decoder.bufferedByteCount }

    /// The next frame. `timeout` bounds the whole frame, so a peer that sends half a frame and
    /// stalls is dropped. Throws `FrameError` for a zero or oversized length, `TransportError`
    /// otherwise (`.closed` for a frame cut off by the peer, `.timedOut` past the deadline).
    public mutating func next(timeout: Duration) throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var reserved = 0
        var asked = false
        var skipped: Int?
        do {
            while true {
                if !asked, let reserve, let length = decoder.pendingFrameLength, length > 0, length <= decoder.maxPayload {
                    asked = true
                    if let granted = reserve(length, deadline) {
                        reserved = granted
                    } else {
                        decoder.discardNextFrame()
                        skipped = length
                    }
                }
                if let skipped, !decoder.isDiscarding { return .skipped(length: skipped) }
                if let payload = try decoder.next() { return .frame(payload, reserved: reserved) }
                // The message names the configured timeout, not the time that was left.
                let timedOut = TransportError(.timedOut, "no complete frame from \(stream.remoteDescription) within the \(timeoutName) (\(Socket.describe(timeout)))")
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw timedOut }
                let bytes: [UInt8]
                do { bytes = try stream.read(maxBytes: Self.readChunk, timeout: remaining) } catch {
                    throw error.kind == .timedOut ? timedOut : error
                }
                if bytes.isEmpty {
                    if decoder.bufferedByteCount > 0 || decoder.isDiscarding {
                        throw TransportError(.closed, "\(stream.remoteDescription) closed the connection in the middle of a frame (\(decoder.bufferedByteCount) bytes buffered)")
                    }
                    return .closed
                }
                decoder.append(bytes)
            }
        } catch {
            if reserved > 0 { release?(reserved) }
            throw error
        }
    }

    /// Gives back what a frame reserved, once it has been answered.
    public func release(_ reserved: Int) {
        if reserved > 0 { release?(reserved) }
    }
}
