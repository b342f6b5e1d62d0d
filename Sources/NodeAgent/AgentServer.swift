import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// The agent's TLS server: one accept thread, one thread per connection, a bound on connections.
///
/// Threads rather than the cooperative pool because every step here blocks (poll, TLS reads);
/// a silent client only ever holds its own thread until its idle timeout.
public final class AgentServer: Sendable {
    public let configuration: AgentConfiguration
    public let localEndpoint: Endpoint
    private let listener: TLSListener
    private let router: RequestRouter
    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void

    struct State { var active = 0; var stopping = false }

    public init(configuration: AgentConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.log = log
        let context = try TLSContext(configuration.tlsConfiguration)
        listener = try TLSListener(endpoint: try configuration.endpoint, context: context)
        localEndpoint = listener.localEndpoint
        router = RequestRouter(configuration: configuration, startedAt: .now)
    }

    /// Connections being served right now.
    public var activeConnections: Int { state.withLock { $0.active } }

    /// Runs the accept loop on the calling thread until `stop()`.
    public func serve() {
        while !state.withLock({ $0.stopping }) {
            let connection: TLSConnection?
            do { connection = try listener.accept(timeout: .milliseconds(200)) } catch {
                log("accept failed: \(error)")
                continue
            }
            guard let connection else { continue }
            let admitted = state.withLock { state -> Bool in
                guard state.active < configuration.maxConnections else { return false }
                state.active += 1
                return true
            }
            guard admitted else {
                log("refused \(connection.remoteDescription): \(configuration.maxConnections) connections already open")
                connection.close()
                continue
            }
            let session = ConnectionSession(connection: connection, configuration: configuration, router: router, log: log)
            do {
                try DedicatedThread.start(name: "agent-conn") { [self] in
                    session.run()
                    state.withLock { $0.active -= 1 }
                }
            } catch {
                log("\(error)")
                connection.close()
                state.withLock { $0.active -= 1 }
            }
        }
        listener.close()
    }

    /// Serves on a dedicated thread and returns at once.
    public func start() throws {
        try DedicatedThread.start(name: "agent-accept") { [self] in serve() }
    }

    /// Stops accepting; open connections end at their next idle timeout or when their peer closes.
    public func stop() {
        state.withLock { $0.stopping = true }
    }
}
