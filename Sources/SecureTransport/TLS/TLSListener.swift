internal import COpenSSL

/// A listening socket whose accepted connections speak TLS with the listener's context.
/// Accepting does not handshake: the connection's own thread does that, so a client that
/// connects and stays silent never blocks the accept loop.
public final class TLSListener: @unchecked Sendable {
    private let socket: Socket
    private let context: TLSContext
    public let localEndpoint: Endpoint

    public init(endpoint: Endpoint, context: TLSContext, backlog: Int32 = 512) throws(TransportError) {
        guard context.configuration.role == .agent else {
            throw TransportError(.config, "a TLS server needs an agent certificate, not \(context.configuration.role.rawValue)")
        }
        self.context = context
        socket = try Socket.listen(on: endpoint, backlog: backlog)
        localEndpoint = socket.localEndpoint
    }

    /// The next connection, or nil if none arrived within `timeout`.
    public func accept(timeout: Duration) throws(TransportError) -> TLSConnection? {
        guard let (client, remote) = try socket.accept(until: ContinuousClock.now + timeout) else { return nil }
        return try TLSConnection(socket: client, context: context, remote: remote, isClient: false)
    }

    /// Used by the accept loop's own thread only.
    public func close() { socket.close() }
}
