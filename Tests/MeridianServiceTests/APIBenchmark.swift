import ClockSync
@testable import Coordinator
import Foundation
import HostSystem
import JSONCore
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// Figures, not a timed test: runs only under scripts/bench-api.sh (MERIDIAN_BENCH=1) and
/// prints the API's round trips over one open TLS connection with an operator certificate:
/// `cluster.status` of a 32-node cluster (target p50 ≤ 2 ms) and `history.query` of one node's
/// last 24 h at 30 s (2880 points; target ≤ 20 ms). Loopback 127.0.0.1 only, no lab addresses.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MERIDIAN_BENCH"] == "1"))
struct APIBenchmark {
    static func cluster(nodes: Int) throws -> ClusterFile {
        let list = (1...nodes).map { #"{"name": "node\#($0)", "address": "127.0.1.\#($0)"}"# }.joined(separator: ", ")
        let json = #"{"name": "bench", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [\#(list)]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    static func report(_ label: String, _ samples: [Duration], bytes: Int) {
        let sorted = samples.sorted()
        func ms(_ d: Duration) -> String { String(format: "%.3f ms", d.seconds * 1000) }
        print("bench: \(label): \(sorted.count) round trips, p50 \(ms(sorted[sorted.count / 2])), p99 \(ms(sorted[sorted.count * 99 / 100])), answer \(bytes) bytes")
    }

    @Test func figures() async throws {
        let pki = try TestPKI()
        try pki.issueAgent("node1", address: "127.0.0.1")
        _ = try PKI.issueOperator(name: "bench", readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: true)
        let cluster = try Self.cluster(nodes: 32)
        let state = ServiceState(clusterName: cluster.name, startedAt: WallClock.now().asDouble)
        let now = WallClock.now().asDouble
        state.publish(Snapshot(status: StatusReport(cluster: cluster, nodes: cluster.nodes.map { node in
            NodeReport(node: node, isTimeServer: node.name.description == "node1", facts: nil,
                       parsed: NodeFacts(node: node.name.description, timezone: "UTC", measuredOffsetSeconds: 0.0004, measuredAgainst: "node1"),
                       offsetFromHere: 0.001, error: nil)
        }), time: now - 5, durationSeconds: 0.3))
        let history = try HistoryStore(path: pki.path + "/history.db")
        try history.record((0..<2880).map { i in
            NodeSample(node: "node2", time: now - 86_400 + Double(i) * 30, offsetSeconds: 0.0001 * Double(i % 50), chronyOffsetSeconds: -0.00002,
                       rootDelaySeconds: 0.0002, rootDispersionSeconds: 0.001, stratum: 11, source: "127.0.1.1", synced: true,
                       reachable: true, state: .ok, reasons: [])
        })
        let jobs = try JobManager(journalPath: pki.path + "/jobs.jsonl", log: { _ in })
        let router = APIRouter(.init(state: state, history: history, jobs: jobs,
                                     actions: APIActions(apply: { _, _ in ApplyOutcome(steps: [], verdict: "ok", failed: false, status: nil) },
                                                         setClock: { _ in .success(.null) }, plan: { .array([]) }),
                                     lockPath: pki.path + "/apply.lock", nodes: cluster.nodes.map(\.name.description), refresh: { nil }))
        var tls = pki.agentTLS("node1")
        tls.peer = .operators
        let server = try APIServer(router: router, tls: (Endpoint(host: "127.0.0.1", port: 0), try TLSContext(tls)), socketPath: nil, log: { _ in })
        try server.start()
        defer { server.stop() }
        let endpoint = try #require(server.endpoint)
        let operatorTLS = TLSConfiguration(caPath: pki.ca, certificatePath: pki.path + "/bench.pem", keyPath: pki.path + "/bench.key", role: .operator)
        let figures = try await DedicatedThread.run(name: "api-bench") { () throws -> [(String, [Duration], Int)] in
            let client = FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(operatorTLS), expectedNode: "node1",
                                                                    timeout: .seconds(10)), maxPayload: 16 << 20)
            defer { client.close() }
            func round(_ id: Int, _ method: String, _ params: String) throws -> (Duration, Int) {
                let started = ContinuousClock.now
                try client.writeFrame(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8), timeout: .seconds(10))
                guard let answer = try client.readFrame(timeout: .seconds(10)) else { throw TransportError(.closed, "closed") }
                let elapsed = ContinuousClock.now - started
                guard try JSONValue(parsing: answer)["result"] != nil else { throw TransportError(.io, "error answer to \(method)") }
                return (elapsed, answer.count)
            }
            _ = try round(0, "api.hello", #"{"client_version":"bench","protocol_versions":[1]}"#)
            var status: [Duration] = [], statusBytes = 0
            for id in 1...2000 { let (d, n) = try round(id, "cluster.status", "{}"); status.append(d); statusBytes = n }
            var points: [Duration] = [], pointBytes = 0
            for id in 1...30 { let (d, n) = try round(10_000 + id, "history.query", #"{"node":"node2","since_seconds":86400}"#); points.append(d); pointBytes = n }
            return [("cluster.status, 32 nodes", status, statusBytes), ("history.query, one node's 24 h (2880 points)", points, pointBytes)]
        }
        for (label, samples, bytes) in figures { Self.report(label, samples, bytes: bytes) }
        // Where a history answer's time goes: the store's read, the JSON values, their encoding.
        var read: [Duration] = [], build: [Duration] = [], encode: [Duration] = []
        for _ in 0..<30 {
            let t0 = ContinuousClock.now
            let points = try history.points(node: "node2", since: now - 86_400)
            let t1 = ContinuousClock.now
            let json = JSONValue.array(points.map(\.json))
            let t2 = ContinuousClock.now
            _ = json.encodedBytes()
            read.append(t1 - t0); build.append(t2 - t1); encode.append(ContinuousClock.now - t2)
        }
        func p50(_ samples: [Duration]) -> String { String(format: "%.3f ms", samples.sorted()[samples.count / 2].seconds * 1000) }
        print("bench: history.query split (p50): store read \(p50(read)), JSON values \(p50(build)), encoding \(p50(encode))")
        #expect(figures.count == 2)
    }
}
