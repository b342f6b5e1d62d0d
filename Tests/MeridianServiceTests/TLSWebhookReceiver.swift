import HostSystem
@testable import SecureTransport
import Synchronization

/// An HTTPS webhook receiver on 127.0.0.1 (port 0): the project's own TLS listener with the
/// HTTPS listener's context (TLS 1.2/1.3, no client certificate), presenting `certificate`.
/// It reads each request's head and Content-Length body, records it, answers 204 and closes.
/// One connection at a time on its own thread; every read and the handshake are bounded.
final class TLSWebhookReceiver: Sendable {
    struct Request: Sendable {
        var head: String
        var body: String
    }

    let port: UInt16
    private let state = ThreadCondition<(requests: [Request], handshakeErrors: [String], running: Bool, finished: Bool)>(([], [], true, false))

    /// `certificate`/`key`: what it presents; `ca`: the CA file those chain to. `tls12Only`:
    /// a receiver that speaks TLS 1.2 and nothing newer.
    init(certificate: String, key: String, ca: String, tls12Only: Bool = false) throws {
        var profile = TLSContext.Profile.meridian
        profile.https = true
        profile.verifiesPeer = false
        profile.tls12Only = tls12Only
        let context = try TLSContext(TLSConfiguration(caPath: ca, certificatePath: certificate, keyPath: key, role: .agent, peer: .operators),
                                     profile: profile)
        let listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: context)
        port = listener.localEndpoint.port
        try DedicatedThread.start(name: "tls-receiver") { [state] in
            defer { listener.close(); state.update { $0.finished = true } }
            while state.read({ $0.running }) {
                guard let connection = try? listener.accept(timeout: .milliseconds(100)) else { continue }
                defer { connection.close() }
                do {
                    try connection.handshake(timeout: .seconds(5))
                } catch {
                    state.update { $0.handshakeErrors.append("\(error)") }
                    continue
                }
                guard let request = Self.readRequest(connection) else { continue }
                state.update { $0.requests.append(request) }
                try? connection.write(Array("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".utf8), timeout: .seconds(5))
            }
        }
    }

    func url(_ host: String = "127.0.0.1") -> String { "https://\(host):\(port)/hook" }
    var requests: [Request] { state.read { $0.requests } }
    var handshakeErrors: [String] { state.read { $0.handshakeErrors } }

    /// Waits on the calling thread until `count` requests arrived; false at the timeout.
    func wait(for count: Int, timeout: Duration) -> Bool {
        state.wait(until: { $0.requests.count >= count }, timeout: timeout) { _, ready in ready }
    }

    func stop() {
        state.update { $0.running = false }
        _ = state.wait(until: { $0.finished }, timeout: .seconds(10)) { _, done in done }
    }

    private static func readRequest(_ connection: TLSConnection) -> Request? {
        var received: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var wanted = Int.max
        var headEnd: Int?
        while received.count < wanted {
            guard let chunk = try? connection.read(maxBytes: 4096, timeout: .seconds(5)), !chunk.isEmpty else { return nil }
            received += chunk
            if headEnd == nil, received.count >= 4,
               let end = (0...(received.count - 4)).first(where: { Array(received[$0..<$0 + 4]) == separator }) {
                headEnd = end
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: " ")) } ?? 0
                wanted = end + 4 + length
            }
        }
        guard let end = headEnd else { return nil }
        return Request(head: String(decoding: received[..<end], as: UTF8.self), body: String(decoding: received[(end + 4)...], as: UTF8.self))
    }
}
