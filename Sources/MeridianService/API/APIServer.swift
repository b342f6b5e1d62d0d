import HostSystem
import RPCServer
import SecureTransport
import Synchronization
import WireProtocol

/// The service's JSON API: the router behind the hardened `RPCServer`, on TCP with TLS (operator
/// certificates; the server presents the master's agent certificate) and on the local Unix
/// socket (root only). `Service` owns it: `init`, `start()`, `stop()`.
public final class APIServer: Sendable {
    public let router: APIRouter
    private let servers: [RPCServer]
    private let connections = Mutex<[ObjectIdentifier: (connection: APIConnection, session: RPCSession)]>([:])
    /// Cuts the sessions of certificates revoked while they are open (see APIServer+Revocation).
    let revocation: RevocationWatch?
    private let log: @Sendable (String) -> Void

    /// `tls`: where to listen and the context (build it with `serverTLS`); `socketPath`: the local
    /// socket. Either may be nil, not both. Listening starts here (the address is taken at once,
    /// so a busy port fails `init`); serving starts with `start()`.
    public init(router: APIRouter, tls: (endpoint: Endpoint, context: TLSContext)?, socketPath: String?,
                limits: RPCServerLimits = APIServer.defaultLimits, log: @escaping @Sendable (String) -> Void) throws(ServiceError) {
        self.router = router
        self.log = log
        revocation = tls.map { RevocationWatch(context: $0.context, name: "API", log: log) }
        guard tls != nil || socketPath != nil else { throw ServiceError(.invalidConfiguration, "the API needs a TCP address or a local socket") }
        let box = HandlerBox()
        var servers: [RPCServer] = []
        do {
            if let tls {
                servers.append(try RPCServer(endpoint: tls.endpoint, context: tls.context, limits: limits, name: "API",
                                             helloMethod: APIMethod.hello.rawValue, log: log, handler: { box.handle($0) }))
            }
            if let socketPath {
                servers.append(try RPCServer(socketPath: socketPath, limits: limits, name: "API", helloMethod: APIMethod.hello.rawValue,
                                             log: log, handler: { box.handle($0) }))
            }
        } catch {
            throw ServiceError(.io, "API: cannot listen on \(tls.map { "\($0.endpoint)" } ?? socketPath ?? "?"): \(error)")
        }
        self.servers = servers
        box.server.withLock { $0.value = self }
    }

    /// The agent's limits, with a longer idle timeout: an automation client may think between
    /// two requests. Subscribers and apply watchers are held open far longer (`holdOpen`).
    public static var defaultLimits: RPCServerLimits {
        var limits = RPCServerLimits()
        limits.idleTimeoutSeconds = 60
        limits.maxConnections = 64
        return limits
    }

    /// The TLS context of the API: our agent certificate (the master node's), operator peers
    /// only, the cluster CRL when it exists.
    public static func serverTLS(caPath: String, certificatePath: String, keyPath: String, crlPath: String?) throws(ServiceError) -> TLSContext {
        let configuration = TLSConfiguration(caPath: caPath, certificatePath: certificatePath, keyPath: keyPath, role: .agent,
                                             crlPath: crlPath, peer: .operators)
        do { return try TLSContext(configuration) } catch {
            throw ServiceError(.invalidConfiguration, "API TLS (\(certificatePath)): \(error)")
        }
    }

    /// The TCP endpoint actually listened on (port 0 resolved), if any.
    public var endpoint: Endpoint? { servers.lazy.compactMap(\.localEndpoint).first }

    public func start() throws(ServiceError) {
        for server in servers {
            do { try server.start() } catch { throw ServiceError(.io, "API: cannot start \(server.listening): \(error)") }
            log("API listening on \(server.listening)")
        }
        revocation?.start { [weak self] in self?.cutRevokedSessions($0) }
    }

    public func stop() {
        revocation?.stop()
        for server in servers { server.stop() }
    }

    /// Closes every open TLS session whose certificate `context`'s CRL lists; returns their peers.
    @discardableResult
    func cutRevokedSessions(_ context: TLSContext) -> [String] {
        let revoked = connections.withLock { table in
            table.values.filter { entry in
                if case .certificate(let summary) = entry.session.peer { return context.revokes(serialHex: summary.serialHex) }
                return false
            }
        }
        for entry in revoked {
            log("API: closing the connection of \(entry.connection.peer), whose certificate is now revoked")
            entry.session.close()
        }
        return revoked.map(\.connection.peer.description)
    }

    /// Connections with a finished hello right now.
    public var connectionCount: Int { connections.withLock { $0.count } }

    fileprivate func handle(_ call: RPCCall) -> Result<JSONValue, RPCError> {
        if let refused = revocation?.refusal(call) { return refused }
        return router.respond(to: call.request, on: connection(for: call.session))
    }

    /// The router's view of a session, made on its first request (always `api.hello`: the server
    /// refuses anything else first) and forgotten when it closes.
    private func connection(for session: RPCSession) -> APIConnection {
        let key = ObjectIdentifier(session)
        let (connection, fresh) = connections.withLock { table -> (APIConnection, Bool) in
            if let known = table[key] { return (known.connection, false) }
            let hooks = APIConnection.Hooks(
                whenAnswered: { body in
                    // If the answer cannot be sent the connection closes, and the job must still
                    // start (it holds the apply lock until it ends): whichever comes first runs it.
                    let once = Once(body)
                    session.whenAnswered { once.run() }
                    session.onClose { once.run() }
                },
                holdOpen: { session.holdOpen() })
            let made = APIConnection(peer: Self.peer(session.peer), hooks: hooks) { method, params in
                session.push(method: method, params: params)
            }
            table[key] = (made, session)
            return (made, true)
        }
        if fresh {
            session.onClose { [weak self] in
                guard let self else { return }
                if let gone = connections.withLock({ $0.removeValue(forKey: key) }) { router.connectionClosed(gone.connection) }
            }
        }
        return connection
    }

    /// The transport's peer in the router's words. An unexpected certificate role (the TLS
    /// policy admits operators only) is treated as read-only, the safe side.
    static func peer(_ peer: RPCPeer) -> APIPeer {
        switch peer {
        case .local(let uid): APIPeer(.local(uid: uid))
        case .certificate(let summary):
            summary.role == .operator ? APIPeer(.operator(name: summary.commonName)) : APIPeer(.readOnlyOperator(name: summary.commonName))
        }
    }
}

/// Lets the handler closure reach the server it is installed in (made after the RPCServers).
/// Weak: the server owns the RPCServers that own this box.
private final class HandlerBox: Sendable {
    struct Weak { weak var value: APIServer? }
    let server = Mutex(Weak())
    func handle(_ call: RPCCall) -> Result<JSONValue, RPCError> {
        guard let server = server.withLock({ $0.value }) else {
            return .failure(RPCError(code: RPCError.internalError, message: "internal error: the API is starting"))
        }
        return server.handle(call)
    }
}

/// Runs a body at most once, from whichever thread gets there first.
private final class Once: Sendable {
    private let body = Mutex<(@Sendable () -> Void)?>(nil)
    init(_ body: @escaping @Sendable () -> Void) { self.body.withLock { $0 = body } }
    func run() {
        let taken = body.withLock { value -> (@Sendable () -> Void)? in
            defer { value = nil }
            return value
        }
        taken?()
    }
}
