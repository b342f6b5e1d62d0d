import WireProtocol

/// A TLS connection carrying length-prefixed frames (see protocol/PROTOCOL.md).
///
/// Not thread-safe by design: one `SSL*` is used by one thread at a time, so a framed connection
/// belongs to the thread that serves it.
public final class FramedConnection: @unchecked Sendable {
    public let connection: TLSConnection
    private var decoder: FrameDecoder
    private static let readChunk = 16 * 1024

    public init(_ connection: TLSConnection, maxPayload: Int = Frame.defaultMaxPayload) {
        self.connection = connection
        self.decoder = FrameDecoder(maxPayload: maxPayload)
    }

    /// The next whole payload, or nil when the peer closed cleanly between frames.
    /// The timeout bounds the whole frame, so a peer that sends half a frame and stalls is dropped.
    /// Throws `FrameError` for a zero or oversized length, `TransportError` otherwise
    /// (`.closed` for a frame cut off by the peer, `.timedOut` when the deadline passes).
    public func readFrame(timeout: Duration) throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let payload = try decoder.next() { return payload }
            // Name the configured timeout and what was awaited, not the time that happened to be left.
            let timedOut = TransportError(.timedOut, "no complete frame from \(connection.remoteDescription) within the timeout (\(Socket.describe(timeout)))")
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw timedOut }
            let bytes: [UInt8]
            do { bytes = try connection.read(maxBytes: Self.readChunk, timeout: remaining) } catch {
                throw error.kind == .timedOut ? timedOut : error
            }
            if bytes.isEmpty {
                if decoder.bufferedByteCount > 0 {
                    throw TransportError(.closed, "\(connection.remoteDescription) closed the connection in the middle of a frame (\(decoder.bufferedByteCount) bytes buffered)")
                }
                return nil
            }
            decoder.append(bytes)
        }
    }

    public func writeFrame(_ payload: [UInt8], timeout: Duration) throws(TransportError) {
        try connection.write(Frame.encode(payload), timeout: timeout)
    }

    public func close() { connection.close() }
}
