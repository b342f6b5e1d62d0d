import HostSystem
import SecureTransport
import Synchronization
import WireProtocol
internal import Glibc

/// A hardened JSON-RPC server over length-prefixed frames: the agent's (TLS, coordinator peers)
/// and the API's (TLS, operator peers; or the local Unix socket). One accept thread, one thread
/// per connection, separate bounds on connections still handshaking and on authenticated ones,
/// one memory budget for frames in flight, hello first, idle timeout, "busy" when full.
///
/// Threads rather than the cooperative pool because every step here blocks (poll, TLS reads).
/// Unauthenticated sockets are cheap to refuse and never take an authenticated peer's slot:
/// at most `maxHandshakesPerSource` per address and `maxHandshakes` in all, the oldest cut off
/// when a new one needs room (a real client handshakes in milliseconds; an idler is the oldest).
public final class RPCServer: Sendable {
    /// What every connection of this server shares.
    struct Settings: Sendable {
        let limits: RPCServerLimits
        /// "agent", "API": names the server in "busy" answers.
        let name: String
        let helloMethod: String
        let handler: RPCHandler
    }

    private enum Listener: Sendable {
        case tls(TLSListener)
        /// With the uids admitted (SO_PEERCRED).
        case local(LocalListener, admitted: Set<UInt32>)
    }

    /// The TCP endpoint listened on; nil for a local socket.
    public let localEndpoint: Endpoint?
    /// The Unix socket path listened on; nil for TCP.
    public let socketPath: String?
    let settings: Settings
    private let listener: Listener
    private let admission: ThreadCondition<Admission>
    private let budget: FrameBudget
    private let throttle = LogThrottle()
    private let log: @Sendable (String) -> Void

    /// Pause after accept ran out of descriptors: the pending connection stays queued, so an
    /// immediate retry fails the same way; descriptors free up only when a connection ends.
    static let descriptorBackoff = Duration.milliseconds(100)
    /// How long the accept loop waits for evicted handshakes to let go before refusing.
    static let evictionWait = Duration.milliseconds(250)
    /// The code a refused local peer is answered with (the API's "forbidden").
    public static let forbidden = -32011

    /// A TLS server on `endpoint`; `context` decides which peers it accepts (its `peer` policy).
    public convenience init(endpoint: Endpoint, context: TLSContext, limits: RPCServerLimits, name: String, helloMethod: String,
                            log: @escaping @Sendable (String) -> Void = { _ in }, handler: @escaping RPCHandler) throws(TransportError) {
        let listener = try TLSListener(endpoint: endpoint, context: context)
        self.init(listener: .tls(listener), endpoint: listener.localEndpoint, path: nil, limits: limits, name: name,
                  helloMethod: helloMethod, log: log, handler: handler)
    }

    /// A server on the local Unix socket at `socketPath` (mode 0600, no TLS). Only peers whose
    /// uid is in `admittedUIDs` get a session; decided default: root and the uid this process
    /// runs as (the same when the service runs as root), since both could read the certificates
    /// anyway. Another uid is answered -32011 "forbidden" and closed.
    public convenience init(socketPath: String, admittedUIDs: Set<UInt32>? = nil, limits: RPCServerLimits, name: String,
                            helloMethod: String, log: @escaping @Sendable (String) -> Void = { _ in },
                            handler: @escaping RPCHandler) throws(TransportError) {
        let listener = try LocalListener(path: socketPath)
        self.init(listener: .local(listener, admitted: admittedUIDs ?? Self.defaultAdmittedUIDs), endpoint: nil, path: socketPath,
                  limits: limits, name: name, helloMethod: helloMethod, log: log, handler: handler)
    }

    /// Root and this process's own uid.
    public static var defaultAdmittedUIDs: Set<UInt32> { [0, UInt32(geteuid())] }

    private init(listener: Listener, endpoint: Endpoint?, path: String?, limits: RPCServerLimits, name: String, helloMethod: String,
                 log: @escaping @Sendable (String) -> Void, handler: @escaping RPCHandler) {
        // Without it, malloc keeps what connection threads freed: RSS climbed to three times the
        // live data in a soak and to 76 MB under 100 x 1 MiB frames (see ProcessMemory).
        ProcessMemory.boundMalloc()
        self.listener = listener
        localEndpoint = endpoint
        socketPath = path
        settings = Settings(limits: limits, name: name, helloMethod: helloMethod, handler: handler)
        self.log = log
        admission = ThreadCondition(Admission(maxHandshakes: limits.maxHandshakes, maxPerSource: limits.maxHandshakesPerSource,
                                    maxAuthenticated: limits.maxConnections))
        budget = FrameBudget(limit: limits.maxBufferedBytes)
    }

    /// Where it listens, for log lines.
    public var listening: String { localEndpoint?.description ?? socketPath ?? "?" }

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
            do {
                switch listener {
                case .tls(let tls): try acceptTLS(tls)
                case .local(let local, let admitted): try acceptLocal(local, admitted: admitted)
                }
            } catch {
                if error.kind == .limit {
                    throttle.log("accept-limit", "accept failed: \(error); pausing \(Self.descriptorBackoff) between attempts until connections end", to: log)
                    ChildProcess.sleep(Self.descriptorBackoff)
                } else {
                    throttle.log("accept-error", "accept failed: \(error)", to: log)
                    ChildProcess.sleep(.milliseconds(10))
                }
            }
        }
        switch listener {
        case .tls(let tls): tls.close()
        case .local(let local, _): local.close()
        }
    }

    private func acceptTLS(_ listener: TLSListener) throws(TransportError) {
        var refusal: String?
        let accepted = try listener.accept(timeout: .milliseconds(200)) { remote in
            refusal = admit(remote)
            return refusal == nil
        }
        switch accepted {
        case .none:
            return
        case .refused(let remote):
            throttle.log("refused", "refused \(remote) before TLS: \(refusal ?? "limit")", to: log)
        case .admitted(let connection, let interrupter):
            let id = admission.withLock { $0.register(source: connection.remote.host, interrupter: interrupter) }
            do {
                try DedicatedThread.start(name: "\(settings.name)-conn") { [self] in serve(connection, id: id, interrupter: interrupter) }
            } catch {
                throttle.log("thread", "cannot serve \(connection.remoteDescription): \(error)", to: log)
                _ = admission.withLock { $0.finishHandshake(id, authenticated: false) }
                interrupter.close()
                connection.close()
            }
        }
    }

    private func acceptLocal(_ listener: LocalListener, admitted: Set<UInt32>) throws(TransportError) {
        guard let connection = try listener.accept(timeout: .milliseconds(200)) else { return }
        let uid = connection.peerUID ?? UInt32.max
        do {
            try DedicatedThread.start(name: "\(settings.name)-local") { [self] in serve(connection, uid: uid, admitted: admitted.contains(uid)) }
        } catch {
            throttle.log("thread", "cannot serve \(connection.remoteDescription): \(error)", to: log)
            connection.close()
        }
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

    /// One TLS connection's thread: handshake, then a session, a "busy" answer, or nothing.
    private func serve(_ connection: TLSConnection, id: UInt64, interrupter: ConnectionInterrupter) {
        var authenticated = false
        do {
            try connection.handshake(timeout: .seconds(settings.limits.handshakeTimeoutSeconds))
            authenticated = connection.peer != nil
        } catch {
            let evicted = admission.withLock { $0.wasEvicted(id) }
            if evicted {
                throttle.log("evicted", "cut off \(connection.remoteDescription) in its handshake: \(settings.limits.maxHandshakes) handshakes in progress (max_handshakes), a newer connection needed the slot", to: log)
            } else {
                log("rejected \(connection.remoteDescription): \(error)")
            }
        }
        let slot = admission.withLock { $0.finishHandshake(id, authenticated: authenticated) }
        interrupter.close()
        defer { connection.close() }
        guard let peer = connection.peer else { return }
        run(slot, stream: connection, peer: .certificate(peer))
    }

    /// One local connection's thread: a session, "busy", or "forbidden" for a uid not admitted.
    private func serve(_ connection: LocalConnection, uid: UInt32, admitted: Bool) {
        defer { connection.close() }
        guard admitted else {
            throttle.log("forbidden", "refused \(connection.remoteDescription) on \(socketPath ?? "?"): uid \(uid) is not admitted", to: log)
            answerEarly(connection, with: RPCError(code: Self.forbidden, message: "forbidden: uid \(uid) may not use \(socketPath ?? "this socket"); only root and the service's own uid may"))
            return
        }
        let slot = admission.withLock { admission -> Admission.Slot in
            let id = admission.register(source: "local", interrupter: nil)
            return admission.finishHandshake(id, authenticated: true)
        }
        run(slot, stream: connection, peer: .local(uid: uid))
    }

    private func run(_ slot: Admission.Slot, stream: any FrameStream, peer: RPCPeer) {
        switch slot {
        case .session:
            let session = RPCSession(stream: stream, peer: peer, limits: settings.limits, log: log)
            RPCConnection(session: session, server: settings, budget: budget, log: log).run()
            admission.withLock { $0.authenticated -= 1 }
        case .busy:
            let max = settings.limits.maxConnections
            throttle.log("busy", "answered \(stream.remoteDescription) busy: \(max) authenticated connections open (max_connections)", to: log)
            answerEarly(stream, with: RPCError(code: RPCError.busy, message: "busy: the \(settings.name) already serves \(max) connections (max_connections); retry later"))
        case .closed:
            break
        }
    }

    /// Reads the peer's first request (briefly) so the answer carries its id, then answers.
    private func answerEarly(_ stream: any FrameStream, with error: RPCError) {
        var reader = FrameReader(stream: stream, maxPayload: settings.limits.maxFrameBytes,
                                 reserve: { [budget] length, _ in
                                     let cost = budget.cost(of: length)
                                     return budget.reserve(cost, until: .now) ? cost : nil
                                 },
                                 release: { [budget] in budget.release($0) })
        var id: RPCID?
        if case .frame(let payload, let reserved)? = try? reader.next(timeout: .seconds(min(2, settings.limits.idleTimeoutSeconds))) {
            if case .success(let request) = RPCCodec.decodeRequest(payload) { id = request.id }
            reader.release(reserved)
        }
        try? stream.write(Frame.encode(RPCCodec.encodeResponse(RPCResponse(id: id, outcome: .failure(error)))), timeout: .seconds(2))
    }

    /// Serves on a dedicated thread and returns at once.
    public func start() throws {
        admission.withLock { $0.serving = true }  // before the thread runs, so an early stop() waits
        do { try DedicatedThread.start(name: "\(settings.name)-accept") { [self] in serve() } } catch {
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
