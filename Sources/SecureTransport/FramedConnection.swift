import WireProtocol

/// A stream (TLS, or the API's local socket) carrying length-prefixed frames (see
/// protocol/PROTOCOL.md): the client side, one request at a time.
///
/// Not thread-safe by design: a framed connection belongs to the thread that uses it.
public final class FramedConnection: @unchecked Sendable {
    public let connection: any FrameStream
    private var reader: FrameReader

    public init(_ connection: any FrameStream, maxPayload: Int = Frame.defaultMaxPayload) {
        self.connection = connection
        reader = FrameReader(stream: connection, maxPayload: maxPayload)
    }

    /// The next whole payload, or nil when the peer closed cleanly between frames.
    /// The timeout bounds the whole frame, so a peer that sends half a frame and stalls is dropped.
    /// Throws `FrameError` for a zero or oversized length, `TransportError` otherwise
    /// (`.closed` for a frame cut off by the peer, `.timedOut` when the deadline passes).
    public func readFrame(timeout: Duration) throws -> [UInt8]? {
        switch try reader.next(timeout: timeout) {
        case .frame(let payload, _): return payload
        case .closed, .skipped: return nil  // no budget here, so nothing is ever skipped
        }
    }

    public func writeFrame(_ payload: [UInt8], timeout: Duration) throws(TransportError) {
        try connection.write(Frame.encode(payload), timeout: timeout)
    }

    public func close() { connection.close() }
}
