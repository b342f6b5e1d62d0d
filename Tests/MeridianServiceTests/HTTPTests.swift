import HostSystem
import JSONCore
@testable import MeridianService
import Testing
import TestSupport

/// The listener over real loopback sockets, with a snapshot built from fixtures and a real
/// history database; no lab (HTTPLabTests has the real survey and the browser).
@Suite struct HTTPTests {
    /// Seconds a reply may take (a bound; the client returns with the reply): under
    /// ThreadSanitizer on 2 cores, with every suite at once, the client's 2 s default timed out
    /// (CI, 2026-12-03).
    static let replyBound = 30.0

    final class Served: Sendable {
        let directory: TemporaryDirectory
        let state: ServiceState
        let store: HistoryStore
        let monitor: HTTPMonitor
        let address: String

        init() async throws {
            directory = try TemporaryDirectory("meridian-http")
            state = ServiceState(clusterName: "lab", startedAt: MonitoringFixture.time)
            store = try HistoryStore(path: directory.path + "/history.db")
            var configuration = ServeConfiguration()
            configuration.httpListen = "127.0.0.1:0"
            monitor = try HTTPMonitor(configuration: configuration, state: state, store: store, log: { _ in })
            address = try await monitor.start()
            let snapshot = try MonitoringFixture.snapshot(time: MonitoringFixture.wallNow())
            try store.record(snapshot.samples)
            _ = try store.record(AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node3", from: .ok, to: .critical,
                                            reasons: ["node3 is 2.500 s fast"], time: snapshot.time))
            state.publish(snapshot)
        }

        /// Runs `body` against a started listener and stops it afterwards, failing or not.
        static func with(_ body: (Served) async throws -> Void) async throws {
            let served = try await Served()
            do { try await body(served) } catch {
                await served.monitor.stop()
                throw error
            }
            await served.monitor.stop()
        }

        func get(_ path: String, method: String = "GET") async throws -> LoopbackHTTPClient.Response {
            let address = address
            return try await DedicatedThread.run(name: "http-test") {
                try LoopbackHTTPClient.get(address, path: path, timeoutSeconds: HTTPTests.replyBound, method: method)
            }
        }
    }

    @Test func everyRouteAnswersWithItsContent() async throws {
        try await Served.with { served in
        let metrics = try await served.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == MetricsText.contentType)
        #expect(metrics.bodyText.contains(#"meridian_node_offset_seconds{cluster="lab",node="node3"} 2.5"#))
        #expect(metrics.bodyText.contains("meridian_survey_duration_seconds_count 1"), "the published survey is counted")

        let status = try await served.get("/api/v1/status")
        let json = try JSONValue(parsing: status.body)
        #expect(status.status == 200 && json["verdict"] == .string("critical"))
        #expect((json["age_seconds"]?.doubleValue ?? -1) >= 0)
        #expect(json["nodes"]?.arrayValue?.count == 4)

        let history = try JSONValue(parsing: try await served.get("/api/v1/history?node=node3&since=0").body)
        #expect(history["points"]?.arrayValue?.first?["offset_seconds"] == .number(2.5))
        let events = try JSONValue(parsing: try await served.get("/api/v1/events").body)
        #expect(events["events"]?.arrayValue?.first?["to"] == .string("critical"))

        let page = try await served.get("/?window=day")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.bodyText.contains(#"data-node="node3""#) && page.bodyText.contains("<strong>last day</strong>"))
        let head = try await served.get("/metrics", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test(arguments: [
        ("GET", "/nope", 404, "no such page"),
        ("POST", "/metrics", 405, "GET only"),
        ("DELETE", "/api/v1/status", 405, "GET only"),
        ("GET", "/api/v1/history", 400, "\"node\" is required"),
        ("GET", "/api/v1/history?node=node9", 400, "not a node of the cluster"),
        ("GET", "/api/v1/history?node=node3&since=yesterday", 400, "\"since\" must be seconds"),
        ("GET", "/api/v1/history?node=node3&node=node2", 400, "given twice"),
        ("GET", "/?window=year", 400, "hour, day or week"),
        ("GET", "/?colour=red", 400, "unknown query parameter \"colour\""),
        ("GET", "/api/v1/events?limit=0", 400, "\"limit\" must be"),
        ("GET", "/api/v1/events?since=%zz", 400, "bad percent escape"),
        ("GET", "/?" + String(repeating: "a", count: 5000), 414, "longer than 4096"),
    ])
    func badRequestsAreRefusedWithTheReasonNamed(method: String, path: String, status: Int, message: String) async throws {
        try await Served.with { served in
            let reply = try await served.get(path, method: method)
            #expect(reply.status == status)
            #expect(reply.headers["content-type"] == "application/json")
            let error = try JSONValue(parsing: reply.body)["error"]
            #expect(error?["status"] == .integer(Int64(status)))
            #expect(error?["message"]?.stringValue?.contains(message) == true, "\(reply.bodyText)")
            if status == 405 { #expect(reply.headers["allow"] == "GET, HEAD") }
        }
    }

    @Test func statusBeforeTheFirstSurveyIsUnavailable() async throws {
        let directory = try TemporaryDirectory("meridian-http")
        let state = ServiceState(clusterName: "lab", startedAt: 0)
        var configuration = ServeConfiguration()
        configuration.httpListen = "127.0.0.1:0"
        let monitor = try HTTPMonitor(configuration: configuration, state: state, store: try HistoryStore(path: directory.path + "/h.db"), log: { _ in })
        let address = try await monitor.start()
        let reply = try await DedicatedThread.run(name: "http-test") { try LoopbackHTTPClient.get(address, path: "/api/v1/status", timeoutSeconds: HTTPTests.replyBound) }
        let page = try await DedicatedThread.run(name: "http-test") { try LoopbackHTTPClient.get(address, path: "/", timeoutSeconds: HTTPTests.replyBound) }
        await monitor.stop()
        #expect(reply.status == 503 && reply.bodyText.contains("no survey"))
        #expect(page.status == 200 && page.bodyText.contains("no survey yet"))
        let after = try? await DedicatedThread.run(name: "http-test") { try LoopbackHTTPClient.get(address, path: "/", timeoutSeconds: 1) }
        #expect(after == nil, "stopped: nothing answers on \(address)")
    }

    @Test(arguments: ["0.0.0.0:9746", "10.1.2.3:9746", "[::]:9746", "[fe80::1]:9746"])
    func plainHTTPOffLoopbackIsRefused(listen: String) throws {
        var configuration = ServeConfiguration()
        configuration.httpListen = listen
        configuration.httpTLS = .off
        let directory = try TemporaryDirectory("meridian-http")
        #expect {
            _ = try HTTPMonitor(configuration: configuration, state: ServiceState(clusterName: "lab", startedAt: 0),
                                store: try HistoryStore(path: directory.path + "/h.db"), log: { _ in })
        } throws: { error in
            "\(error)".contains("not a loopback address") && "\(error)".contains(listen)
        }
    }

    @Test func aPortInUseIsNamed() async throws {
        try await Served.with { first in
            var configuration = ServeConfiguration()
            configuration.httpListen = first.address
            let second = try HTTPMonitor(configuration: configuration, state: first.state, store: first.store, log: { _ in })
            await #expect {
                try await second.start()
            } throws: { error in
                "\(error)".contains(first.address) && "\(error)".contains("cannot listen")
            }
            await second.stop()
        }
    }

    @Test func textfileIsWrittenAfterEverySurvey() async throws {
        let directory = try TemporaryDirectory("meridian-textfile")
        let state = ServiceState(clusterName: "lab", startedAt: 0)
        let writer = try TextfileWriter(directory: directory.path, state: state, log: { _ in })
        writer.start()
        defer { writer.stop() }
        state.publish(try MonitoringFixture.snapshot(duration: 0.7))
        let deadline = ContinuousClock.now + .seconds(10)
        while writer.written < 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let text = try readText(directory.path + "/meridian.prom")
        #expect(text.contains(#"meridian_node_offset_seconds{cluster="lab",node="node3"} 2.5"#))
        #expect(text.contains("meridian_survey_duration_seconds_sum 0.7"))
        #expect(AtomicFile.list(directory.path) == ["meridian.prom"], "no temporary left behind")
    }

    @Test func textfileDirectoryMustExist() {
        #expect(throws: ServiceError.self) { try TextfileWriter(directory: "/nonexistent/meridian", state: ServiceState(clusterName: "x", startedAt: 0), log: { _ in }) }
        #expect(throws: ServiceError.self) { try TextfileWriter(directory: "relative", state: ServiceState(clusterName: "x", startedAt: 0), log: { _ in }) }
    }
}

extension MonitoringFixture {
    static func wallNow() -> Double { MonitorRoutes.wallClock() }
}

extension HTTPTests {
    /// The chart's history is averaged per column inside SQLite; offsets that are unknown are
    /// left out, not counted as zero.
    @Test func chartSeriesIsAveragedPerColumnInTheDatabase() throws {
        let directory = try TemporaryDirectory("meridian-http")
        let store = try HistoryStore(path: directory.path + "/history.db")
        try store.record((0..<100).map { NodeSample(node: "node2", time: Double($0), offsetSeconds: $0 == 5 ? nil : Double($0),
                                                    synced: true, reachable: true, state: .ok, reasons: []) })
        try store.record([NodeSample(node: "node3", time: 1, offsetSeconds: 9, synced: true, reachable: true, state: .ok, reasons: [])])
        let series = try store.offsetSeries(node: "node2", since: 0, until: 100, buckets: 10)
        #expect(series.count == 10)
        #expect(series.first.map { ($0.time, $0.offset) } ?? (0, 0) == (40.0 / 9, 40.0 / 9), "0...9 without 5")
        #expect(series.last.map { ($0.time, $0.offset) } ?? (0, 0) == (94.5, 94.5))
        #expect(try store.offsetSeries(node: "node2", since: 50, until: 60, buckets: 400).count == 10)
        #expect(try store.offsetSeries(node: "node2", since: 10, until: 10, buckets: 10).isEmpty)
    }
}
