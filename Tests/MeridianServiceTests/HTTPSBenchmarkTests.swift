import HostSystem
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// Figures, not a timed test: runs only under scripts/bench-monitor.sh (MERIDIAN_BENCH_MONITOR=1)
/// and prints them. `/metrics` at 32 nodes over HTTPS on 127.0.0.2 (`http_tls: on`, the master's
/// agent certificate, P-256): a fresh TLS 1.3 connection per scrape, scrapes over one kept-alive
/// session (what Prometheus does), and curl's own timings for TLS 1.3 and 1.2.
@Suite struct HTTPSBenchmarkTests {
    /// One HTTP/1.1 GET on an open session; reads exactly the Content-Length body.
    static func keptAliveGet(_ connection: TLSConnection, path: String) throws -> Int {
        try connection.write(Array("GET \(path) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8), timeout: .seconds(10))
        var reply: [UInt8] = []
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            reply += try connection.read(maxBytes: 64 * 1024, timeout: .seconds(10))
            guard let end = (0..<max(0, reply.count - 3)).first(where: { reply[$0..<($0 + 4)].elementsEqual(separator) }) else { continue }
            let head = String(decoding: reply[..<end], as: UTF8.self).lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).drop { $0 == " " }) else {
                throw LoopbackHTTPClient.Failure(description: "no content-length in \(head)")
            }
            while reply.count < end + 4 + length { reply += try connection.read(maxBytes: 64 * 1024, timeout: .seconds(10)) }
            return length
        }
    }

    @Test(.enabled(if: HTTPBenchmarkTests.enabled)) func figures() async throws {
        let rssStart = HTTPBenchmarkTests.rssKiB()
        let pki = try TestPKI()
        try pki.issueAgent("node1", address: "127.0.0.2")
        let directory = try TemporaryDirectory("meridian-bench-https")
        let now = MonitorRoutes.wallClock()
        let offsets = Dictionary(uniqueKeysWithValues: (2...32).map { ("node\($0)", Double($0 % 7) * 0.003) })
        let snapshot = Snapshot(status: try MonitoringFixture.report(offsets: offsets, unreachable: ["node32"], nodes: 32), time: now, durationSeconds: 0.8)
        let store = try HistoryStore(path: directory.path + "/history.db")
        let state = ServiceState(clusterName: "lab", startedAt: now)
        state.publish(snapshot)
        var configuration = ServeConfiguration()
        configuration.httpListen = "127.0.0.2:0"
        configuration.httpTLS = .on
        configuration.stateDirectory = directory.path + "/state"
        let https = HTTPSSettings.make(configuration: configuration, certificateDirectory: pki.path, master: "node1")
        let rssBefore = HTTPBenchmarkTests.rssKiB()
        let monitor = try HTTPMonitor(configuration: configuration, state: state, store: store, https: https, log: { _ in })
        let address = try await monitor.start()
        let rssListening = HTTPBenchmarkTests.rssKiB()
        let client = try TLSContext(pki.coordinatorTLS())
        let endpoint = try Endpoint(parsing: address)
        var dialled = configuration
        dialled.httpListen = address
        let serve = dialled
        let fresh = try await DedicatedThread.run(name: "bench") {
            try HTTPBenchmarkTests.median(200) {
                _ = try ServiceStatusClient.get(serve, path: "/metrics", client: client, serverName: "node1", timeoutSeconds: 10)
            }
        }
        let (kept, bytes) = try await DedicatedThread.run(name: "bench") {
            let connection = try TLSConnection.connect(to: endpoint, context: client, expectedNode: "node1", timeout: .seconds(10))
            defer { connection.close() }
            let bytes = try Self.keptAliveGet(connection, path: "/metrics")
            return (try HTTPBenchmarkTests.median(500) { _ = try Self.keptAliveGet(connection, path: "/metrics") }, bytes)
        }
        print("bench-monitor: /metrics at 32 nodes over HTTPS (relay, TLS 1.3, P-256): new connection per scrape \(HTTPBenchmarkTests.ms(fresh)), kept-alive session \(HTTPBenchmarkTests.ms(kept)) (median; \(bytes) bytes; target <= 5 ms)")
        for version in ["1.3", "1.2"] {
            let argv = ["curl", "--silent", "--noproxy", "*", "--cacert", pki.ca, "--tlsv\(version)", "--tls-max", version, "-o", "/dev/null",
                        "-w", "%{time_appconnect} %{time_starttransfer} %{time_total}\n", "https://\(address)/metrics"]
            let timings = try await DedicatedThread.run(name: "bench") {
                try (0..<21).map { _ -> (Double, Double, Double) in
                    let out = try ChildProcess.run(argv, environment: ["PATH": "/usr/bin:/bin"], timeout: .seconds(20))
                    let words = out.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
                    guard out.succeeded, words.count == 3 else { throw LoopbackHTTPClient.Failure(description: "curl: \(out.stderr)") }
                    return (words[0], words[1], words[2])
                }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            print("bench-monitor: curl TLS \(version) /metrics at 32 nodes: connect + handshake \(HTTPBenchmarkTests.ms(median(timings.map(\.0)))), first byte \(HTTPBenchmarkTests.ms(median(timings.map(\.1)))), total \(HTTPBenchmarkTests.ms(median(timings.map(\.2)))) (median of 21, curl's own -w timings)")
        }
        // The same scrape by curl over plain HTTP (no relay), for comparison.
        var plainConfiguration = configuration
        plainConfiguration.httpTLS = .off
        plainConfiguration.stateDirectory = directory.path + "/plain"
        let plain = try HTTPMonitor(configuration: plainConfiguration, state: state, store: store, log: { _ in })
        let plainAddress = try await plain.start()
        let plainArgv = ["curl", "--silent", "--noproxy", "*", "-o", "/dev/null", "-w", "%{time_connect} %{time_starttransfer} %{time_total}\n",
                         "http://\(plainAddress)/metrics"]
        let plainTimings = try await DedicatedThread.run(name: "bench") {
            try (0..<21).map { _ -> Double in
                let out = try ChildProcess.run(plainArgv, environment: ["PATH": "/usr/bin:/bin"], timeout: .seconds(20))
                let words = out.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
                guard out.succeeded, words.count == 3 else { throw LoopbackHTTPClient.Failure(description: "curl: \(out.stderr)") }
                return words[1] - words[0]
            }
        }
        print("bench-monitor: curl plain HTTP /metrics at 32 nodes (no relay): connect to first byte \(HTTPBenchmarkTests.ms(plainTimings.sorted()[plainTimings.count / 2])) (median of 21)")
        await plain.stop()
        print("bench-monitor: RSS with HTTPS: \(rssStart) KiB at start, \(rssBefore) KiB before the listener, \(rssListening) KiB listening, \(HTTPBenchmarkTests.rssKiB()) KiB after the scrapes")
        await monitor.stop()
    }
}
