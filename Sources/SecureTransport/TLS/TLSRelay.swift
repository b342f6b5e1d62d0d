import HostSystem
internal import COpenSSL
internal import Glibc

/// TLS in front of a plain server on a local Unix socket: accepts TCP, runs the TLS handshake
/// (`TLSListener`, `TLSConnection`), then copies bytes both ways between the TLS session and a
/// fresh connection to `target`. `meridian serve`'s HTTPS listener is this in front of
/// Hummingbird, which keeps speaking plain HTTP on `state_dir/http.sock` (0600), so the one TLS
/// stack (OpenSSL, with the JSON API's role and CRL checks) serves both listeners.
///
/// Every connection has its own thread (`DedicatedThread`), never the cooperative pool: the
/// accept loop only accepts, so a client that is slow to handshake never holds up the next.
/// Bounded: `Limits.maxConnections` at once (further clients wait in the listen backlog), a
/// handshake deadline and an idle timeout (no byte either way).
public final class TLSRelay: Sendable {
    public struct Limits: Sendable {
        public var maxConnections = 64
        public var handshakeTimeout: Duration = .seconds(10)
        public var idleTimeout: Duration = .seconds(15)
        public init() {}
    }

    struct State: Sendable {
        var active = 0
        var peak = 0
        var stopping = false
        var acceptLoopRunning = false
        var interrupters: [Int: ConnectionInterrupter] = [:]
        var nextID = 0
        var lastFailureLog: ContinuousClock.Instant?
        var heldFailures = 0
    }

    public let localEndpoint: Endpoint
    public let target: String
    public let limits: Limits
    private let listener: TLSListener
    private let state = ThreadCondition(State())
    private let log: @Sendable (String) -> Void

    /// Listens at once (a busy port fails here); relaying starts with `start()`.
    public init(endpoint: Endpoint, context: TLSContext, target: String, limits: Limits = Limits(),
                log: @escaping @Sendable (String) -> Void) throws(TransportError) {
        listener = try TLSListener(endpoint: endpoint, context: context, backlog: 128)
        localEndpoint = listener.localEndpoint
        self.target = target
        self.limits = limits
        self.log = log
    }

    /// Connections being handshaken or relayed right now, and the most there were at once.
    public var connectionCounts: (active: Int, peak: Int) { state.update { ($0.active, $0.peak) } }

    public func start() throws(TransportError) {
        state.update { $0.acceptLoopRunning = true }
        do {
            try DedicatedThread.start(name: "tls-relay") { [self] in acceptLoop() }
        } catch {
            state.update { $0.acceptLoopRunning = false }
            listener.close()
            throw TransportError(.io, "TLS relay on \(localEndpoint): \(error)")
        }
    }

    /// Stops accepting, cuts every open connection and waits (up to 5 s) until all are gone.
    public func stop() {
        let interrupters = state.update { state -> [ConnectionInterrupter] in
            state.stopping = true
            return Array(state.interrupters.values)
        }
        for interrupter in interrupters { interrupter.interrupt() }
        state.wait(until: { !$0.acceptLoopRunning && $0.active == 0 }, timeout: .seconds(5)) { _, _ in () }
    }

    private func acceptLoop() {
        defer {
            listener.close()
            state.update { $0.acceptLoopRunning = false }
        }
        while true {
            // Wait for a free slot; meanwhile new clients queue in the kernel's backlog.
            let stopping = state.wait(until: { $0.stopping || $0.active < limits.maxConnections }, timeout: .milliseconds(200)) { state, _ in
                state.stopping
            }
            if stopping { return }
            guard state.update({ $0.active < limits.maxConnections }) else { continue }
            let admission: TLSListener.Admission
            do { admission = try listener.accept(timeout: .milliseconds(200), admit: { _ in true }) } catch {
                // Out of descriptors or memory: the connection stays queued; back off, don't spin.
                noteFailure("TLS relay on \(localEndpoint): \(error)")
                usleep(100_000)
                continue
            }
            guard case .admitted(let connection, let interrupter) = admission else { continue }
            let id = state.update { state -> Int? in
                guard !state.stopping else { return nil }
                state.nextID += 1
                state.active += 1
                state.peak = max(state.peak, state.active)
                state.interrupters[state.nextID] = interrupter
                return state.nextID
            }
            guard let id else {
                connection.close()
                interrupter.close()
                return
            }
            do {
                try DedicatedThread.start(name: "tls-relay-conn") { [self] in
                    serve(connection)
                    finish(id)
                }
            } catch {
                connection.close()
                finish(id)
                noteFailure("TLS relay on \(localEndpoint): \(error)")
            }
        }
    }

    private func finish(_ id: Int) {
        let interrupter = state.update { state -> ConnectionInterrupter? in
            state.active -= 1
            return state.interrupters.removeValue(forKey: id)
        }
        interrupter?.close()
    }

    /// One log line per 10 s at most for refused handshakes and accept trouble (a scanner or a
    /// flood must not fill the journal), with the count of the lines held back.
    private func noteFailure(_ message: String) {
        let now = ContinuousClock.now
        let held = state.update { state -> Int? in
            if let last = state.lastFailureLog, now - last < .seconds(10) {
                state.heldFailures += 1
                return nil
            }
            defer { state.heldFailures = 0 }
            state.lastFailureLog = now
            return state.heldFailures
        }
        guard let held else { return }
        log(held == 0 ? message : "\(message) (and \(held) more like it in the last 10 s)")
    }

    private func serve(_ connection: TLSConnection) {
        defer { connection.close() }
        do { try connection.handshake(timeout: limits.handshakeTimeout) } catch {
            if !state.update({ $0.stopping }) { noteFailure("https: \(error)") }
            return
        }
        let upstream: Socket
        do { upstream = try Socket.connectUnix(target, timeout: .seconds(2)) } catch {
            noteFailure("https: \(connection.remoteDescription): \(error)")
            return
        }
        defer { upstream.close() }
        relay(connection, upstream)
    }

    /// Copies bytes both ways until either side closes, an error, or `idleTimeout` without a byte.
    /// One `poll` over both descriptors; bytes OpenSSL already holds (`SSL_has_pending`: a record
    /// read with the handshake's last one, or the rest of one larger than our buffer) are taken
    /// before waiting again, since the socket would not signal them.
    private func relay(_ tls: TLSConnection, _ upstream: Socket) {
        let tcp = SSL_get_fd(tls.ssl)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var idleDeadline = ContinuousClock.now + limits.idleTimeout
        // Set when a read found only part of a record: then wait for the socket, not the buffer.
        var stalled = false
        while true {
            let left = idleDeadline - ContinuousClock.now
            guard left > .zero else { return }
            var clientReady = !stalled && SSL_has_pending(tls.ssl) == 1
            var upstreamReady = false
            stalled = false
            if !clientReady {
                var descriptors = [pollfd(fd: tcp, events: Int16(POLLIN), revents: 0),
                                   pollfd(fd: upstream.fd, events: Int16(POLLIN), revents: 0)]
                let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                let rc = poll(&descriptors, 2, milliseconds)
                if rc < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if rc == 0 { continue }
                clientReady = descriptors[0].revents != 0
                upstreamReady = descriptors[1].revents != 0
            }
            if clientReady {
                do {
                    let bytes = try tls.read(maxBytes: buffer.count, timeout: .milliseconds(100))
                    if bytes.isEmpty { return }
                    guard Self.send(bytes, to: upstream, timeout: limits.idleTimeout) else { return }
                    idleDeadline = ContinuousClock.now + limits.idleTimeout
                } catch {
                    // Only part of a record so far: wait for the rest in the next poll.
                    guard error.kind == .timedOut else { return }
                    stalled = true
                }
            }
            if upstreamReady {
                let count = buffer.withUnsafeMutableBytes { recv(upstream.fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { return }
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                do { try tls.write(Array(buffer[..<count]), timeout: limits.idleTimeout) } catch { return }
                idleDeadline = ContinuousClock.now + limits.idleTimeout
            }
        }
    }

    /// Writes all of `bytes` to the non-blocking `socket`; false when it failed or stalled past `timeout`.
    static func send(_ bytes: [UInt8], to socket: Socket, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.send(socket.fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                offset += count
                continue
            }
            guard errno == EAGAIN || errno == EINTR, (try? socket.wait(writable: true, until: deadline)) == true else { return false }
        }
        return true
    }
}
