internal import COpenSSL

/// A listening socket whose accepted connections speak TLS with the listener's context.
/// Accepting does not handshake: the connection's own thread does that, so a client that
/// connects and stays silent never blocks the accept loop.
///
/// `@unchecked Sendable`: the listener is built on one thread and then used by the accept loop's
/// thread alone (`Socket` is not thread-safe, and `context` is swapped there); only the immutable
/// `localEndpoint` is read elsewhere.
///
/// The CRL is read again when its file changes (`meridian ca revoke` while the listener runs):
/// each accepted connection first compares the file's stamp (one `stat`), so a revoked peer's
/// next connection is refused without a restart. A CRL that cannot be used keeps the previous one.
public final class TLSListener: @unchecked Sendable {
    private let socket: Socket
    private var context: TLSContext
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
        refreshRevocationList()
        return try TLSConnection(socket: client, context: context, remote: remote, isClient: false)
    }

    /// What `accept(timeout:admit:)` did with a pending connection.
    public enum Admission: Sendable {
        /// Nothing arrived within the timeout.
        case none
        /// `admit` said no: the socket was closed at once, without TLS (nothing to linger for).
        case refused(Endpoint)
        /// A connection to handshake, with a handle another thread may use to cut it off.
        case admitted(TLSConnection, ConnectionInterrupter)
    }

    /// Accepts the next connection and asks `admit` (with the peer's address) whether to keep it.
    /// A refused peer costs one accept and one close: no TLS session, no thread, no wait.
    public func accept(timeout: Duration, admit: (Endpoint) -> Bool) throws(TransportError) -> Admission {
        guard let (client, remote) = try socket.accept(until: ContinuousClock.now + timeout) else { return .none }
        guard admit(remote) else {
            client.close()
            return .refused(remote)
        }
        refreshRevocationList()
        let interrupter = ConnectionInterrupter(socket: client)
        do {
            return .admitted(try TLSConnection(socket: client, context: context, remote: remote, isClient: false), interrupter)
        } catch {
            interrupter.close()
            throw error
        }
    }

    /// Used by the accept loop's own thread only.
    public func close() { socket.close() }

    /// Why the last changed CRL could not be used (nil once one was), for the owner to report.
    public private(set) var revocationListFailure: String?

    private func refreshRevocationList() {
        guard context.revocationListChanged else { return }
        do {
            context = try context.reloaded()
            revocationListFailure = nil
        } catch {
            revocationListFailure = "\(error)"
        }
    }
}
