import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// The agent's TLS server: one accept thread, one thread per connection, separate bounds on
/// connections still handshaking and on authenticated ones.
///
/// Threads rather than the cooperative pool because every step here blocks (poll, TLS reads).
/// Unauthenticated sockets are cheap to refuse and never take an authenticated peer's slot:
/// at most `maxHandshakesPerSource` per address and `maxHandshakes` in all, the oldest cut off
/// when a new one needs room (a real client handshakes in milliseconds; an idler is the oldest).
public final class AgentServer: Sendable {
    public let configuration: AgentConfiguration
    public let localEndpoint: Endpoint
    private let listener: TLSListener
    private let router: RequestRouter
    private let admission: Mutex<Admission>
    private let budget: FrameBudget
    private let throttle = LogThrottle()
    private let log: @Sendable (String) -> Void

    /// Pause after accept ran out of descriptors: the pending connection stays queued, so an
    /// immediate retry fails the same way; descriptors free up only when a connection ends.
    static let descriptorBackoff = Duration.milliseconds(100)

    public init(configuration: AgentConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.log = log
        // Without it, malloc keeps what connection threads freed: RSS climbed to three times the
        // live data in a soak and to 76 MB under 100 x 1 MiB frames (see ProcessMemory).
        ProcessMemory.boundMalloc()
        let context = try TLSContext(configuration.tlsConfiguration)
        listener = try TLSListener(endpoint: try configuration.endpoint, context: context)
        localEndpoint = listener.localEndpoint
        router = RequestRouter(configuration: configuration, startedAt: .now)
        admission = Mutex(Admission(maxHandshakes: configuration.maxHandshakes,
                                    maxPerSource: configuration.maxHandshakesPerSource,
                                    maxAuthenticated: configuration.maxConnections))
        budget = FrameBudget(limit: configuration.maxBufferedBytes)
    }

    /// Connections open right now (handshaking or authenticated).
    public var activeConnections: Int { admission.withLock { $0.handshakingCount + $0.authenticated } }

    /// Authenticated connections being served right now.
    public var authenticatedConnections: Int { admission.withLock { $0.authenticated } }

    /// Bytes of the memory budget held by frames in flight right now.
    public var reservedFrameBytes: Int { budget.reserved }

    /// Runs the accept loop on the calling thread until `stop()`.
    public func serve() {
        admission.withLock { $0.serving = true }
        defer { admission.withLock { $0.serving = false } }
        while !admission.withLock({ $0.stopping }) {
            let accepted: TLSListener.Admission
            var refusal: String?
            do {
                accepted = try listener.accept(timeout: .milliseconds(200)) { remote in
                    refusal = admit(remote)
                    return refusal == nil
                }
            } catch {
                if error.kind == .limit {
                    throttle.log("accept-limit", "accept failed: \(error); pausing \(Self.descriptorBackoff) between attempts until connections end", to: log)
                    ChildProcess.sleep(Self.descriptorBackoff)
                } else {
                    throttle.log("accept-error", "accept failed: \(error)", to: log)
                    ChildProcess.sleep(.milliseconds(10))
                }
                continue
            }
            switch accepted {
            case .none:
                continue
            case .refused(let remote):
                throttle.log("refused", "refused \(remote) before TLS: \(refusal ?? "limit")", to: log)
            case .admitted(let connection, let interrupter):
                let id = admission.withLock { $0.register(source: connection.remote.host, interrupter: interrupter) }
                do {
                    try DedicatedThread.start(name: "agent-conn") { [self] in serve(connection, id: id, interrupter: interrupter) }
                } catch {
                    throttle.log("thread", "cannot serve \(connection.remoteDescription): \(error)", to: log)
                    _ = admission.withLock { $0.finishHandshake(id, authenticated: false) }
                    interrupter.close()
                    connection.close()
                }
            }
        }
        listener.close()
    }

    /// Admits a new connection, or says why not. When the pool is full of connections already
    /// cut off but whose threads have not let go yet (a burst), waits for them briefly rather than
    /// refusing the newcomer, which may be the real client behind the flood.
    private func admit(_ remote: Endpoint) -> String? {
        let deadline = ContinuousClock.now + Self.evictionWait
        while true {
            let refusal = admission.withLock { $0.admit(source: remote.host) }
            guard refusal != nil, ContinuousClock.now < deadline else { return refusal }
            ChildProcess.sleep(.milliseconds(1))
        }
    }

    /// How long the accept loop waits for evicted handshakes to let go before refusing.
    static let evictionWait = Duration.milliseconds(250)

    /// One connection's thread: handshake, then a session, a "busy" answer, or nothing.
    private func serve(_ connection: TLSConnection, id: UInt64, interrupter: ConnectionInterrupter) {
        var authenticated = false
        do {
            try connection.handshake(timeout: .seconds(configuration.handshakeTimeoutSeconds))
            authenticated = true
        } catch {
            let evicted = admission.withLock { $0.wasEvicted(id) }
            if evicted {
                throttle.log("evicted", "cut off \(connection.remoteDescription) in its handshake: \(configuration.maxHandshakes) handshakes in progress (max_handshakes), a newer connection needed the slot", to: log)
            } else {
                log("rejected \(connection.remoteDescription): \(error)")
            }
        }
        let slot = admission.withLock { $0.finishHandshake(id, authenticated: authenticated) }
        interrupter.close()
        defer { connection.close() }
        switch slot {
        case .session:
            ConnectionSession(connection: connection, configuration: configuration, router: router, budget: budget, log: log).run()
            admission.withLock { $0.authenticated -= 1 }
        case .busy:
            throttle.log("busy", "answered \(connection.remoteDescription) busy: \(configuration.maxConnections) authenticated connections open (max_connections)", to: log)
            answerBusy(connection)
        case .closed:
            break
        }
    }

    /// Reads the peer's first request (briefly) so the "busy" answer carries its id, then answers.
    private func answerBusy(_ connection: TLSConnection) {
        var reader = AgentFrameReader(connection: connection, maxPayload: configuration.maxFrameBytes, budget: budget, budgetWait: .zero)
        var id: RPCID?
        if case .frame(let payload, let reserved)? = try? reader.next(timeout: .seconds(min(2, configuration.idleTimeoutSeconds))) {
            if case .success(let request) = RPCCodec.decodeRequest(payload) { id = request.id }
            reader.release(reserved)
        }
        let busy = RPCError(code: RPCError.busy, message: "busy: the agent already serves \(configuration.maxConnections) connections (max_connections); retry later")
        try? connection.write(Frame.encode(RPCCodec.encodeResponse(RPCResponse(id: id, outcome: .failure(busy)))), timeout: .seconds(2))
    }

    /// Serves on a dedicated thread and returns at once.
    public func start() throws {
        admission.withLock { $0.serving = true }  // before the thread runs, so an early stop() waits
        do { try DedicatedThread.start(name: "agent-accept") { [self] in serve() } } catch {
            admission.withLock { $0.serving = false }
            throw error
        }
    }

    /// Stops accepting and returns once the listening socket is closed (the accept loop polls
    /// every 200 ms; bounded at 2 s), so the address is free for the next listener at once.
    /// Open connections end at their next idle timeout or when their peer closes.
    public func stop() {
        admission.withLock { $0.stopping = true }
        let deadline = ContinuousClock.now + .seconds(2)
        while admission.withLock({ $0.serving }), ContinuousClock.now < deadline {
            ChildProcess.sleep(.milliseconds(5))
        }
    }
}
