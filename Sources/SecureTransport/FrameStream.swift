/// A byte stream that frames travel over: a TLS connection (agents, the TCP API) or a local Unix
/// socket (the API on the master itself). The seam between framing and the secure channel.
///
/// One reader thread and one writer thread may use a stream at once (the server's pushed
/// notifications); `interrupt()` may come from any thread; `close()` only from the thread that
/// owns the stream, once the others are done with it.
public protocol FrameStream: AnyObject, Sendable {
    /// `host:port` or `local uid N`: the peer, for log lines and error messages.
    var remoteDescription: String { get }
    /// Up to `maxBytes` bytes; an empty array when the peer closed the connection.
    func read(maxBytes: Int, timeout: Duration) throws(TransportError) -> [UInt8]
    /// Writes all of `bytes` before the deadline.
    func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError)
    /// Shuts the connection down both ways so a read or write blocked on it returns at once;
    /// the descriptor stays open until `close()`.
    func interrupt()
    func close()
}
