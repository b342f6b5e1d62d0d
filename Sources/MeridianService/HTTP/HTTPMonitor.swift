import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// `meridian serve`'s HTTP listener (default 127.0.0.1:9746): `/metrics`, the status page `/`,
/// and the read-only `/api/v1/{status,history,events}`.
///
/// Hummingbird 2 carries the HTTP; every request's work (history reads through GRDB, rendering)
/// runs in `MonitorRoutes` on a two-thread `NIOThreadPool` this listener owns, so no request
/// blocks the cooperative pool or NIO's event loop. Bounded: 64 connections at once, 16 KiB of
/// request headers, a 4 KiB target, no request bodies, idle connections closed after 15 s.
///
/// Plain HTTP only, so only on loopback: a `http_listen` elsewhere is refused. TLS (HummingbirdTLS,
/// swift-nio-ssl with its BoringSSL copy) would add a second TLS stack beside the project's
/// OpenSSL and minutes to every clean build; a TLS reverse proxy or node_exporter's textfile
/// collector (`--textfile`) serve the non-loopback case.
public final class HTTPMonitor: Sendable {
    public let routes: MonitorRoutes
    public let listen: String
    private let log: @Sendable (String) -> Void
    private let pool: NIOThreadPool
    private let running = Mutex<Task<Void, any Error>?>(nil)
    private let durations: SurveyDurations

    public static let maxTarget = 4096

    public init(configuration: ServeConfiguration, state: ServiceState, store: HistoryStore,
                log: @escaping @Sendable (String) -> Void) throws(ServiceError) {
        guard let (host, _) = Self.split(configuration.httpListen) else {
            throw ServiceError(.invalidConfiguration, "field \"http_listen\" must be \"HOST:PORT\", found \"\(configuration.httpListen)\"")
        }
        guard Self.isLoopback(host) else {
            throw ServiceError(.invalidConfiguration, """
                field "http_listen" is \(configuration.httpListen), not a loopback address: the HTTP listener speaks plain HTTP \
                and this build has no TLS for it; keep it on 127.0.0.1 or [::1] and publish it through a TLS reverse proxy, \
                or write the metrics with --textfile for node_exporter
                """)
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
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(15), httpDecoderConfiguration: .init(
                maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 64))),
            configuration: .init(address: .hostname(host, port: Int(port)), serverName: "meridian",
                                 availableConnectionsDelegate: MaximumAvailableConnections(64)),
            onServerRunning: { channel in bound.finish(.success(channel.localAddress?.port ?? Int(port))) },
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
            let address = host.contains(":") ? "[\(host)]:\(actual)" : "\(host):\(actual)"
            log("http: listening on \(address) (/metrics, /, /api/v1/status, /api/v1/history, /api/v1/events)")
            return address
        } catch {
            task.cancel()
            throw ServiceError(.io, "http_listen \(listen): cannot listen: \(error)")
        }
    }

    public func stop() async {
        durations.stop()
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
