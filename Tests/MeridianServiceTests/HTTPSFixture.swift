import HostSystem
@testable import MeridianService
import SecureTransport
import TestSupport

/// The HTTP listener with TLS on a loopback address other than 127.0.0.1, over a real cluster
/// CA (`TestPKI`): the master's agent certificate (node1, the time server of
/// `MonitoringFixture.cluster`, at 127.0.0.2), operator certificates (one
/// read-only, one revoked before the start, so it is on the CRL the listener loads).
final class HTTPSFixture: Sendable {
    static let host = "127.0.0.2"
    static let master = "node1"
    let pki: TestPKI
    let directory: TemporaryDirectory
    let state: ServiceState
    let store: HistoryStore
    let monitor: HTTPMonitor
    /// `HOST:PORT` the relay listens on.
    let address: String
    let operatorFiles: IssuedFiles
    let readOnlyFiles: IssuedFiles
    let revokedFiles: IssuedFiles
    let log = Lines()

    final class Lines: Sendable {
        private let lines = ThreadCondition<[String]>([])
        func append(_ line: String) { lines.update { $0.append(line) } }
        var all: [String] { lines.read { $0 } }

        /// Waits (up to 5 s, on a thread of its own) for a line that matches: the relay logs a
        /// refused handshake on its connection's thread, possibly after the client has exited.
        func contains(_ match: @escaping @Sendable (String) -> Bool) async -> Bool {
            let lines = lines
            return (try? await DedicatedThread.run(name: "log-wait") {
                lines.wait(until: { $0.contains(where: match) }, timeout: .seconds(5)) { _, found in found }
            }) ?? false
        }
    }

    /// `adjust` changes the settings before the listener is built (limits, client auth, cert).
    init(clientAuth: HTTPClientAuth = .none, tls: HTTPTLSMode = .on,
         adjust: (inout ServeConfiguration, inout HTTPSSettings, TestPKI) throws -> Void = { _, _, _ in }) async throws {
        pki = try TestPKI()
        try pki.issueAgent(Self.master, address: Self.host)
        operatorFiles = try PKI.issueOperator(name: "ops", readOnly: false, certificates: pki.path, outputDirectory: pki.path + "/ops", force: false)
        readOnlyFiles = try PKI.issueOperator(name: "viewer", readOnly: true, certificates: pki.path, outputDirectory: pki.path + "/ops", force: false)
        revokedFiles = try PKI.issueOperator(name: "gone", readOnly: false, certificates: pki.path, outputDirectory: pki.path + "/ops", force: false)
        _ = try PKI.revoke(name: "gone", in: pki.path)
        directory = try TemporaryDirectory("meridian-https")
        state = ServiceState(clusterName: "lab", startedAt: MonitoringFixture.time)
        store = try HistoryStore(path: directory.path + "/history.db")
        var configuration = ServeConfiguration()
        configuration.httpListen = "\(Self.host):0"
        configuration.httpTLS = tls
        configuration.httpClientAuth = clientAuth
        configuration.stateDirectory = directory.path + "/state"
        var https = HTTPSSettings.make(configuration: configuration, certificateDirectory: pki.path, master: Self.master)
        try adjust(&configuration, &https, pki)
        let log = log
        monitor = try HTTPMonitor(configuration: configuration, state: state, store: store, https: https, log: { log.append($0) })
        address = try await monitor.start()
        state.publish(try MonitoringFixture.snapshot(time: MonitoringFixture.wallNow()))
    }

    /// Runs `body` against a started listener and stops it afterwards, failing or not.
    static func with(clientAuth: HTTPClientAuth = .none, tls: HTTPTLSMode = .on,
                     adjust: (inout ServeConfiguration, inout HTTPSSettings, TestPKI) throws -> Void = { _, _, _ in },
                     _ body: (HTTPSFixture) async throws -> Void) async throws {
        let fixture = try await HTTPSFixture(clientAuth: clientAuth, tls: tls, adjust: adjust)
        do { try await body(fixture) } catch {
            await fixture.monitor.stop()
            throw error
        }
        await fixture.monitor.stop()
    }

    /// Real curl, no proxy, a deadline; `arguments` go before the URL.
    func curl(_ arguments: [String], path: String = "/metrics", scheme: String = "https") async throws -> CommandResult {
        let url = "\(scheme)://\(address)\(path)"
        let argv = ["curl", "--silent", "--show-error", "--verbose", "--noproxy", "*", "--max-time", "10"] + arguments + [url]
        return try await DedicatedThread.run(name: "curl") {
            try ChildProcess.run(argv, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"], timeout: .seconds(20))
        }
    }

    /// `--cacert` the cluster CA, and with `client` a client certificate and key.
    func curlTrusting(_ extra: [String] = [], client: (certificate: String, key: String)? = nil, path: String = "/metrics") async throws -> CommandResult {
        var arguments = ["--cacert", pki.ca] + extra
        if let client { arguments += ["--cert", client.certificate, "--key", client.key] }
        return try await curl(arguments, path: path)
    }
}

extension CommandResult {
    /// curl reached the listener and got our metrics back.
    var servedMetrics: Bool { succeeded && stdout.contains("meridian_node_offset_seconds{") }
}
