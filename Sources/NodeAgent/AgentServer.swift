import HostSystem
import RPCServer
import SecureTransport
import WireProtocol

/// The agent's TLS server: the shared hardened `RPCServer` (bounded handshakes and connections,
/// frame budget, hello first, idle timeout, "busy"), coordinator peers only, answering with the
/// agent's fixed `RequestRouter`. Each request's peer is checked against the CRL as it is now
/// (`RevocationWatch`, one `stat` when the file did not change): a coordinator revoked while its
/// connection is open is answered -32011 "forbidden" at its next request, and the connection closed.
public final class AgentServer: Sendable {
    public let configuration: AgentConfiguration
    public let localEndpoint: Endpoint
    private let server: RPCServer

    public init(configuration: AgentConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        let context = try TLSContext(configuration.tlsConfiguration)
        let router = RequestRouter(configuration: configuration, startedAt: .now)
        let revocation = RevocationWatch(context: context, name: "agent", log: log)
        server = try RPCServer(endpoint: try configuration.endpoint, context: context, limits: configuration.serverLimits,
                               name: "agent", helloMethod: Method.hello.rawValue, log: log) { call in
            revocation.refusal(call) ?? router.respond(to: call.request, received: call.received)
        }
        localEndpoint = server.localEndpoint ?? Endpoint(host: "?", port: 0)
    }

    /// Connections open right now (handshaking or authenticated).
    public var activeConnections: Int { server.activeConnections }

    /// Authenticated connections being served right now.
    public var authenticatedConnections: Int { server.authenticatedConnections }

    /// Bytes of the memory budget held by frames in flight right now.
    public var reservedFrameBytes: Int { server.reservedFrameBytes }

    /// Runs the accept loop on the calling thread until `stop()`.
    public func serve() { server.serve() }

    /// Serves on a dedicated thread and returns at once.
    public func start() throws { try server.start() }

    /// Stops accepting and returns once the listening socket is closed (bounded at 2 s).
    /// Open connections end at their next idle timeout or when their peer closes.
    public func stop() { server.stop() }
}
