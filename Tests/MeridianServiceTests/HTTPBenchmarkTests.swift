import Glibc
import HostSystem
@testable import MeridianService
import Testing
import TestSupport

/// Figures, not a timed test: runs only under scripts/bench-monitor.sh (MERIDIAN_BENCH_MONITOR=1)
/// and prints them. 32 nodes; the history holds 7 days: 30-second samples for the last 48 h
/// and one per 5 minutes before (what the roll-up leaves), 7200 points a node.
@Suite struct HTTPBenchmarkTests {
    static var enabled: Bool { ChildProcess.inheritedEnvironment["MERIDIAN_BENCH_MONITOR"] == "1" }

    static func rssKiB() -> Int {
        guard let bytes = try? AtomicFile.read("/proc/self/status") else { return -1 }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    static func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            times.append((ContinuousClock.now - start).seconds)
        }
        return times.sorted()[times.count / 2]
    }

    static func ms(_ seconds: Double) -> String { "\(Double(Int((seconds * 1e5).rounded())) / 100) ms" }

    @Test(.enabled(if: enabled)) func figures() async throws {
        let rssStart = Self.rssKiB()
        let directory = try TemporaryDirectory("meridian-bench-monitor")
        let now = MonitorRoutes.wallClock()
        let offsets = Dictionary(uniqueKeysWithValues: (2...32).map { ("node\($0)", Double($0 % 7) * 0.003) })
        let snapshot = Snapshot(status: try MonitoringFixture.report(offsets: offsets, unreachable: ["node32"], nodes: 32), time: now, durationSeconds: 0.8)
        let store = try HistoryStore(path: directory.path + "/history.db")
        let fill = ContinuousClock.now
        var times = Array(stride(from: now - 7 * 86_400, to: now - 48 * 3600, by: 300))
        times += Array(stride(from: now - 48 * 3600, through: now, by: 30))
        for chunk in stride(from: 0, to: times.count, by: 500) {
            var batch: [NodeSample] = []
            for time in times[chunk..<min(times.count, chunk + 500)] {
                for var sample in snapshot.samples {
                    sample.time = time
                    sample.offsetSeconds = sample.offsetSeconds.map { $0 + 0.002 * sin(time / 3600) }
                    batch.append(sample)
                }
            }
            try store.record(batch)
        }
        print("bench-monitor: history of 32 nodes x \(times.count) points filled in \((ContinuousClock.now - fill).seconds) s")
        let state = ServiceState(clusterName: "lab", startedAt: now)
        state.publish(snapshot)
        let rssBeforeHTTP = Self.rssKiB()
        var configuration = ServeConfiguration()
        configuration.httpListen = "127.0.0.1:0"
        let monitor = try HTTPMonitor(configuration: configuration, state: state, store: store, log: { _ in })
        let address = try await monitor.start()
        let rssHTTP = Self.rssKiB()
        var histogram = SurveyHistogram()
        histogram.observe(0.8)
        let render = Self.median(200) { _ = MetricsText.render(snapshot, durations: histogram, version: "0.1.0") }
        let metricsBytes = MetricsText.render(snapshot, durations: histogram, version: "0.1.0").utf8.count
        let scrape = try await DedicatedThread.run(name: "bench") {
            try Self.median(200) { _ = try LoopbackHTTPClient.get(address, path: "/metrics") }
        }
        print("bench-monitor: /metrics at 32 nodes: render \(Self.ms(render)), scrape over loopback HTTP \(Self.ms(scrape)) (median; \(metricsBytes) bytes; target <= 5 ms)")
        for window in OffsetChart.Window.allCases {
            let routes = monitor.routes
            let server = try await DedicatedThread.run(name: "bench") {
                Self.median(5) { _ = routes.respond(method: "GET", path: "/", query: "window=\(window.rawValue)") }
            }
            let fetched = try await DedicatedThread.run(name: "bench") {
                try Self.median(5) { _ = try LoopbackHTTPClient.get(address, path: "/?window=\(window.rawValue)", timeoutSeconds: 30) }
            }
            let size = routes.respond(method: "GET", path: "/", query: "window=\(window.rawValue)").body.count
            let names = snapshot.samples.map(\.node)
            @Sendable func load() throws -> [OffsetChart.Series] {
                try names.map { name in
                    OffsetChart.Series(node: name, state: .ok, isTimeServer: false,
                                       points: try store.offsetSeries(node: name, since: now - window.seconds, until: now + 1, buckets: 400)
                                           .map { OffsetChart.Point(time: $0.time, offset: $0.offset) })
                }
            }
            let query = try await DedicatedThread.run(name: "bench") { try Self.median(3) { _ = try load() } }
            let drawn = try load()
            let chart = Self.median(3) { _ = OffsetChart.render(drawn, window: window, now: now, toleranceSeconds: 0.05) }
            print("bench-monitor: page, last \(window.rawValue): history query \(Self.ms(query)), chart render \(Self.ms(chart))")
            print("bench-monitor: page, last \(window.rawValue), 32 nodes: server render \(Self.ms(server)), fetched over HTTP \(Self.ms(fetched)) (median of 5; \(size) bytes)")
        }
        if let chromium = MonitoringTools.chromium {
            let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync",
                         "--disable-component-update", "--disable-default-apps", "--disable-extensions",
                         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--user-data-dir=\(directory.path)/profile",
                         "--window-size=1280,1400"]
            let shot = directory.path + "/shot.png"
            let blank = try await DedicatedThread.run(name: "bench") {
                try Self.median(3) { _ = try ChildProcess.run([chromium] + flags + ["--screenshot=\(shot)", "about:blank"], timeout: .seconds(60)) }
            }
            let page = try await DedicatedThread.run(name: "bench") {
                try Self.median(3) { _ = try ChildProcess.run([chromium] + flags + ["--screenshot=\(shot)", "http://\(address)/?window=week"], timeout: .seconds(60)) }
            }
            print("bench-monitor: Chromium screenshot of the week page \(Self.ms(page)) vs about:blank \(Self.ms(blank)): the page adds \(Self.ms(page - blank)) (load + layout + paint + PNG)")
            // First paint as the browser records it (DevTools: performance paint entries).
            let script = FixturePath.repository("scripts/page-paint.py")
            let paint = try await DedicatedThread.run(name: "bench") {
                try ChildProcess.run(["python3", script, "http://\(address)/?window=week",
                                      "--runs", "7", "--chromium", chromium], timeout: .seconds(120))
            }
            for line in paint.stdout.split(separator: "\n") where line.contains("median") {
                print("bench-monitor: week page, 32 nodes x 7 days, in Chromium \(line.dropFirst("page-paint: ".count)) (target: first paint <= 300 ms)")
            }
            if paint.status != 0 { print("bench-monitor: page-paint failed: \(paint.stderr)") }
        }
        print("bench-monitor: RSS of the test process: \(rssStart) KiB at start, \(rssBeforeHTTP) KiB with the history open, \(rssHTTP) KiB with HTTP listening, \(Self.rssKiB()) KiB after the requests")
        await monitor.stop()
    }
}
