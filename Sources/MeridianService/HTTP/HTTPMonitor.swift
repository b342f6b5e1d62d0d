import HostSystem
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SecureTransport
import Synchronization

/// `meridian serve`'s HTTP listener (default 127.0.0.1:9746): `/metrics`, the status page `/`,
/// and the read-only `/api/v1/{status,history,events}`.
///
/// Hummingbird 2 carries the HTTP; every request's work (history reads through GRDB, rendering)
/// runs in `MonitorRoutes` on a two-thread `NIOThreadPool` this listener owns, so no request
/// blocks the cooperative pool or NIO's event loop. Bounded: 64 connections at once, 16 KiB of
/// request headers, a 4 KiB target, no request bodies, idle connections closed after 15 s.
///
/// Plain HTTP on loopback; TLS when `http_tls` says so (by default: when `http_listen` is not
/// loopback). With TLS, Hummingbird serves plain HTTP on the Unix socket `state_dir/http.sock`
/// (0600) and a `TLSRelay` on `http_listen` does the TLS with the project's OpenSSL layer: the
/// same verify callback and CRL as the JSON API for `http_client_auth: operator`. Decided against
/// HummingbirdTLS (swift-nio-ssl with its BoringSSL copy): a second TLS stack whose role and
/// CRL checks would have to be rebuilt and kept equal to the API's, and minutes on every clean
/// build.
public final class HTTPMonitor: Sendable {
    public let routes: MonitorRoutes
    public let listen: String
    private let log: @Sendable (String) -> Void
    private let pool: NIOThreadPool
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let durations: SurveyDurations
    /// With TLS: the relay's context and bounds, and the Unix socket Hummingbird serves on.
    private let tls: (context: TLSContext, limits: TLSRelay.Limits, socket: String)?
    private let relay = Mutex<TLSRelay?>(nil)

    /// True when this listener speaks TLS (`https://`).
    public var usesTLS: Bool { tls != nil }
    /// The TLS relay's connections now and at most so far (nil without TLS or before `start`).
    public var relayConnectionCounts: (active: Int, peak: Int)? { relay.withLock { $0?.connectionCounts } }

    public static let maxTarget = 4096

    /// `https`: what the TLS listener presents and whom it admits; required when
    /// `configuration.httpUsesTLS`, ignored otherwise (`HTTPSSettings.make` builds it from
    /// serve.json and the cluster's certificate directory).
    public init(configuration: ServeConfiguration, state: ServiceState, store: HistoryStore, https: HTTPSSettings? = nil,
                log: @escaping @Sendable (String) -> Void) throws(ServiceError) {
        guard Self.split(configuration.httpListen) != nil else {
            throw ServiceError(.invalidConfiguration, "field \"http_listen\" must be \"HOST:PORT\", found \"\(configuration.httpListen)\"")
        }
        try configuration.checkHTTPTLS()
        if configuration.httpUsesTLS {
            guard let https else {
                throw ServiceError(.invalidConfiguration, "http_listen \(configuration.httpListen) speaks TLS, but no certificate was given for it")
            }
            tls = (try https.context(), https.limits, configuration.httpSocketPath)
        } else {
            tls = nil
        }
        listen = configuration.httpListen
        self.log = log
        durations = SurveyDurations(state: state)
        routes = MonitorRoutes(state: state, store: store, durations: durations)
        pool = NIOThreadPool(numberOfThreads: 2)
    }

    /// Binds and serves; returns the bound `HOST:PORT` (a port 0 in `http_listen` picks a free one).
    /// A port in use fails here, with the address named.
    @discardableResult
    public func start() async throws(ServiceError) -> String {
        guard let (host, port) = Self.split(listen) else { throw ServiceError(.invalidConfiguration, "http_listen \(listen)") }
        guard running.withLock({ $0 == nil }) else { throw ServiceError(.io, "http_listen \(listen): the listener is already started") }
        pool.start()
        let bound = BoundSignal()
        var logger = Logger(label: "meridian.http")
        logger.logLevel = .warning
        let routes = routes, pool = pool
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await Self.respond(to: request, routes: routes, pool: pool)
        }
        if let tls {
            let directory = AtomicFile.parentDirectory(of: tls.socket)
            if !AtomicFile.exists(directory) {
                do { try AtomicFile.makeDirectories(directory, mode: 0o750) } catch {
                    throw ServiceError(.io, "http_listen \(listen): cannot create \(directory) for http.sock: \(error)")
                }
            }
        }
        let socket = tls?.socket
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(15), httpDecoderConfiguration: .init(
                maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 64))),
            configuration: .init(address: socket.map { .unixDomainSocket(path: $0) } ?? .hostname(host, port: Int(port)), serverName: "meridian",
                                 availableConnectionsDelegate: MaximumAvailableConnections(64)),
            onServerRunning: { channel in
                if let socket {
                    // Only the relay (same process) talks to it; the state directory is 0750 too.
                    do { try AtomicFile.setPermissions(socket, 0o600) } catch {
                        bound.finish(.failure(error))
                        return
                    }
                }
                bound.finish(.success(channel.localAddress?.port ?? Int(port)))
            },
            logger: logger)
        let task = Task {
            do { try await app.run() } catch {
                bound.finish(.failure(error))
                throw error
            }
            bound.finish(.failure(CancellationError()))
        }
        running.withLock { $0 = task }
        do {
            let actual = try await bound.wait()
            var address = host.contains(":") ? "[\(host)]:\(actual)" : "\(host):\(actual)"
            var scheme = "http"
            if let tls {
                let relay = try TLSRelay(endpoint: Endpoint(host: host, port: port), context: tls.context, target: tls.socket,
                                         limits: tls.limits, log: log)
                try relay.start()
                self.relay.withLock { $0 = relay }
                address = relay.localEndpoint.description
                scheme = "https"
            }
            log("http: listening on \(scheme)://\(address) (/metrics, /, /api/v1/status, /api/v1/history, /api/v1/events)")
            return address
        } catch {
            task.cancel()
            _ = await task.result
            throw ServiceError(.io, "http_listen \(listen): cannot listen: \(error)")
        }
    }

    public func stop() async {
        durations.stop()
        if let relay = relay.withLock({ value -> TLSRelay? in defer { value = nil }; return value }) {
            // It waits for its connection threads: on a thread of our own, not the pool.
            _ = try? await DedicatedThread.run(name: "https-stop") { relay.stop() }
        }
        let task = running.withLock { value -> Task<Void, any Error>? in defer { value = nil }; return value }
        task?.cancel()
        _ = await task?.result
        try? await pool.shutdownGracefully()
    }

    static func respond(to request: Request, routes: MonitorRoutes, pool: NIOThreadPool) async throws -> Response {
        let reply: HTTPReply
        if request.uri.string.utf8.count > maxTarget {
            reply = .error(414, "the request target is longer than \(maxTarget) bytes")
        } else if request.headers[.contentLength].map({ $0 != "0" }) ?? false || request.headers[.transferEncoding] != nil {
            reply = .error(413, "requests to this listener carry no body")
        } else {
            let method = request.method.rawValue, path = request.uri.path, query = request.uri.query
            reply = try await pool.runIfActive { routes.respond(method: method, path: path, query: query) }
        }
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        headers[.cacheControl] = "no-store"
        for (name, value) in reply.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: reply.body)
        if request.method == .head { headers[.contentLength] = String(reply.body.count) }
        return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: body))
    }

    /// `127.0.0.1:9746` → ("127.0.0.1", 9746); `[::1]:9746` → ("::1", 9746).
    static func split(_ hostPort: String) -> (String, UInt16)? {
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]) else { return nil }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// The outcome of binding, handed from the server's task to `start()` once.
private final class BoundSignal: Sendable {
    private let state = Mutex<(result: Result<Int, any Error>?, waiter: CheckedContinuation<Int, any Error>?)>((nil, nil))

    func finish(_ result: Result<Int, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Int, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
