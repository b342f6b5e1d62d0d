import ClockSync
@testable import Coordinator
import HostSystem
import JSONCore
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// The monitoring surface on a real loopback lab (real chronyd -x, real agents, node3 2.5 s
/// fast under libfaketime): real surveys published into a ServiceState and a real history
/// database, the listener over real sockets, headless Chromium rendering the page, and the
/// `meridian check` executable. Needs the lab lock (`flock /tmp/meridian-test.lock`).
@Suite(.serialized) final class HTTPLabTests {
    let lab: LabSession
    var directory: TemporaryDirectory { lab.directory }
    var layout: LabLayout { lab.layout }

    init() throws { lab = try LabSession("meridian-monitor-lab") }

    func up() async throws -> (ClusterFile, TLSContext) { try await lab.start(nodes: 3, skews: ["node3": 2.5]) }

    /// One real survey, as the watch loop takes it.
    static func survey(_ cluster: ClusterFile, _ context: TLSContext) async -> Snapshot {
        let start = MonitorRoutes.wallClock()
        let clock = ContinuousClock.now
        let report = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        return Snapshot(status: report, time: start, durationSeconds: (ContinuousClock.now - clock).seconds)
    }

    @Test func skewedNodeIsCriticalOnEveryRouteInTheBrowserAndInCheck() async throws {
        let (cluster, context) = try await up()
        let state = ServiceState(clusterName: cluster.name, startedAt: MonitorRoutes.wallClock())
        let store = try HistoryStore(path: directory.path + "/history.db")
        var configuration = ServeConfiguration()
        configuration.httpListen = "127.0.0.1:0"
        let monitor = try HTTPMonitor(configuration: configuration, state: state, store: store, log: { _ in })
        let address = try await monitor.start()
        for _ in 0..<3 {
            let snapshot = await Self.survey(cluster, context)
            try store.record(snapshot.samples)
            state.publish(snapshot)
        }
        do {
            try await checkRoutes(address, cluster: cluster)
            try await checkBrowser(address)
            try await checkPluginReadsTheService(address)
        } catch {
            await monitor.stop()
            throw error
        }
        await monitor.stop()
        try await checkPluginSurveysWithoutTheService()
    }

    func get(_ address: String, _ path: String) async throws -> LoopbackHTTPClient.Response {
        try await DedicatedThread.run(name: "http-test") { try LoopbackHTTPClient.get(address, path: path, timeoutSeconds: 10) }
    }

    func checkRoutes(_ address: String, cluster: ClusterFile) async throws {
        let status = try JSONValue(parsing: try await get(address, "/api/v1/status").body)
        #expect(status["verdict"] == .string("critical"))
        let node3 = status["nodes"]?.arrayValue?.first { $0["name"] == .string("node3") }
        let offset = try #require(node3?["offset_seconds"]?.doubleValue)
        #expect(abs(offset - 2.5) < 0.1, "node3 measured \(offset) s")
        let metrics = try await get(address, "/metrics").bodyText
        #expect(metrics.contains(#"meridian_node_verdict{cluster="\#(cluster.name)",node="node3"} 2"#), "\(metrics)")
        #expect(metrics.contains("meridian_survey_duration_seconds_count 3"))
        if let promtool = MonitoringTools.promtool {
            let lint = try ChildProcess.run([promtool, "check", "metrics"], input: Array(metrics.utf8), timeout: .seconds(30))
            #expect(lint.succeeded && lint.stdout.isEmpty && lint.stderr.isEmpty, "promtool: \(lint.stdout)\(lint.stderr)")
        }
        let history = try JSONValue(parsing: try await get(address, "/api/v1/history?node=node3&since=0").body)
        #expect(history["points"]?.arrayValue?.count == 3)
    }

    /// Headless Chromium loads the page from loopback, with its background network off and every
    /// name but 127.0.0.1 unresolvable; the DOM it built is checked and a screenshot kept.
    func checkBrowser(_ address: String) async throws {
        guard let chromium = MonitoringTools.chromium else {
            #expect(!MonitoringTools.required, "chromium is not installed (scripts/install-deps.sh)")
            return
        }
        let profile = directory.path + "/chromium-profile"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-sync", "--disable-component-update", "--disable-default-apps", "--disable-extensions",
                     "--disable-domain-reliability", "--metrics-recording-only", "--no-default-browser-check",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--user-data-dir=\(profile)"]
        let url = "http://\(address)/?window=hour"
        let dom = try await DedicatedThread.run(name: "chromium") {
            try ChildProcess.run([chromium] + flags + ["--dump-dom", url], timeout: .seconds(90), maxOutput: 16 << 20)
        }
        #expect(dom.succeeded, "chromium --dump-dom: \(dom.stderr.suffix(2000))")
        let html = dom.stdout
        for node in ["node1", "node2", "node3"] {
            #expect(html.contains(#"<tr class="node "#) && html.contains(#"data-node="\#(node)" data-verdict="#), "\(node) in the table")
        }
        #expect(html.contains(#"<tr class="node critical" data-node="node3" data-verdict="critical">"#), "node3 marked critical")
        #expect(html.contains(#"<path class="node-line critical" data-node="node3""#), "node3's line in the chart")
        #expect(html.contains(#"id="cluster-verdict" class="verdict critical""#))
        let artefacts = Self.artefactDirectory
        try AtomicFile.makeDirectories(artefacts)
        let screenshot = artefacts + "/status-page.png"
        AtomicFile.remove(screenshot)
        let shot = try await DedicatedThread.run(name: "chromium") {
            try ChildProcess.run([chromium] + flags + ["--hide-scrollbars", "--window-size=1280,1400", "--screenshot=\(screenshot)", url],
                                 timeout: .seconds(90))
        }
        #expect(shot.succeeded && AtomicFile.isRegularFile(screenshot), "chromium --screenshot: \(shot.stderr.suffix(2000))")
        let phone = artefacts + "/status-page-phone.png"
        _ = try await DedicatedThread.run(name: "chromium") {
            try ChildProcess.run([chromium] + flags + ["--hide-scrollbars", "--window-size=390,1600", "--screenshot=\(phone)", url], timeout: .seconds(90))
        }
    }

    /// test-artefacts/monitoring/ at the top of the worktree (git-ignored).
    static var artefactDirectory: String {
        var parts = FixturePath.in("MeridianServiceTests", "").split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()
        return parts.joined(separator: "/") + "/test-artefacts/monitoring"
    }

    func serveConfig(listen: String) throws -> String {
        let path = directory.path + "/serve.json"
        try AtomicFile.write(Array(#"{"http_listen": "\#(listen)"}"#.utf8), to: path)
        return path
    }

    /// The service answers: the check is its view (node3 2.5 s fast), even with node3's agent
    /// stopped since, which a survey of its own would call unreachable.
    func checkPluginReadsTheService(_ address: String) async throws {
        let config = try serveConfig(listen: address)
        let state = try #require(LabState.load(layout))
        let agent = try #require(state.agents["node3"])
        _ = try await DedicatedThread.run(name: "stop-agent") { LabProcesses.stop(agent) }
        let layout = layout
        let result = try await DedicatedThread.run(name: "check") {
            try ChildProcess.run([AgentProcess.meridianBinary, "check", "--cluster", layout.clusterFile, "--config", config], timeout: .seconds(60))
        }
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.hasPrefix("MERIDIAN CRITICAL - node3 2."), "\(result.stdout)")
        #expect(result.stdout.contains(" fast of node1") && !result.stdout.contains("unreachable"), "\(result.stdout)")
        #expect(result.stdout.contains("| node1=0s;0.025;0.05 node2="), "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").count == 1)
    }

    /// No service on http_listen: the check surveys the lab itself and finds node3's agent gone.
    func checkPluginSurveysWithoutTheService() async throws {
        let config = try serveConfig(listen: "127.0.0.1:9")
        let layout = layout
        let result = try await DedicatedThread.run(name: "check") {
            try ChildProcess.run([AgentProcess.meridianBinary, "check", "--cluster", layout.clusterFile, "--config", config, "-w", "1", "-c", "5"],
                                 timeout: .seconds(60))
        }
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        // A fresh lab (Debian's default chrony.conf, before `meridian apply`): nobody follows node1.
        #expect(result.stdout.hasPrefix("MERIDIAN CRITICAL - node3 unreachable, node1 not synced, node2 not synced |"), "\(result.stdout)")
        #expect(result.stdout.contains("node3=U;1;5"), "\(result.stdout)")
    }
}
