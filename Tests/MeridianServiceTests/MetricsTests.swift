import ClockSync
@testable import Coordinator
import HostSystem
@testable import MeridianService
import Testing
import TestSupport

@Suite(.offPool) struct MetricsTests {
    func rendered(nodes: Int = 4) throws -> String {
        var histogram = SurveyHistogram()
        histogram.observe(0.42)
        histogram.observe(3)
        let snapshot = Snapshot(status: try MonitoringFixture.report(unreachable: nodes >= 4 ? ["node4"] : [], nodes: nodes),
                                time: MonitoringFixture.time, durationSeconds: 0.42)
        return MetricsText.render(snapshot, durations: histogram, version: "0.1.0")
    }

    @Test func surveyRendersAsTheGoldenFile() throws {
        try MonitoringFixture.golden(try rendered(), "metrics.prom")
    }

    /// `promtool check metrics` (Debian's prometheus package) lints names, units and types.
    @Test(.enabled(if: MonitoringTools.promtool != nil || MonitoringTools.required))
    func promtoolAcceptsTheOutput() throws {
        let promtool = try #require(MonitoringTools.promtool, "promtool is not installed (scripts/install-deps.sh)")
        for text in [try rendered(), MetricsText.render(nil, durations: SurveyHistogram(), version: "0.1.0")] {
            let result = try ChildProcess.run([promtool, "check", "metrics"], input: Array(text.utf8), timeout: .seconds(30))
            #expect(result.succeeded, "promtool: \(result.stdout) \(result.stderr)")
            #expect(result.stderr.isEmpty && result.stdout.isEmpty, "promtool found lint problems: \(result.stdout)\(result.stderr)")
        }
    }

    @Test func unreachableNodeHasNoOffsetButIsCountedUnreachable() throws {
        let text = try rendered()
        #expect(text.contains(#"meridian_node_reachable{cluster="lab",node="node4"} 0"#))
        #expect(!text.contains(#"meridian_node_offset_seconds{cluster="lab",node="node4"}"#))
        #expect(text.contains(#"meridian_node_offset_seconds{cluster="lab",node="node3"} 2.5"#))
        #expect(text.contains(#"meridian_node_verdict{cluster="lab",node="node3"} 2"#))
    }

    /// Gauges are a function of the snapshot: a node gone from the cluster file has no series.
    @Test func nodeThatLeftTheClusterDisappears() throws {
        let three = try rendered(nodes: 3)
        #expect(!three.contains(#"node="node4""#))
        #expect(three.contains(#"node="node3""#))
    }

    @Test(arguments: [
        ("plain", "plain"), ("quote\"d", "quote\\\"d"), ("back\\slash", "back\\\\slash"), ("line\nfeed", "line\\nfeed"),
        ("µs → ok", "µs → ok"),
    ])
    func labelValuesAreEscaped(raw: String, escaped: String) {
        #expect(PrometheusText.escapedLabel(raw) == escaped)
    }

    @Test(arguments: [(3.0, "3"), (0.5, "0.5"), (-2.5, "-2.5"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"), (1e-7, "1e-07")])
    func numbersAreSpelledAsPrometheusReadsThem(value: Double, text: String) {
        #expect(PrometheusText.number(value) == text)
    }

    @Test func histogramIsCumulativeAndDropsNonsense() {
        var histogram = SurveyHistogram(bounds: [1, 5])
        for value in [0.5, 1, 2, 9, -1, .nan, .infinity] { histogram.observe(value) }
        #expect(histogram.cumulative.map(\.count) == [2, 3, 4])
        #expect(histogram.count == 4)
        #expect(histogram.sum == 12.5)
    }

    @Test(arguments: [
        ("mon.c clock skew 0.499118s > max 0.05s (latency 0.00096675s)", "c", 0.499118),
        ("mon.pve-2 clock skew -0.2s > max 0.05s", "pve-2", -0.2),
    ])
    func cephDetailLinesGiveTheMonitorsSkew(line: String, monitor: String, skew: Double) throws {
        let parsed = try #require(MetricsText.monitorSkew(line))
        #expect(parsed.0 == monitor && parsed.1 == skew)
    }

    @Test(arguments: ["", "mon.c clock skew", "mon.c clock skew lots", "osd.1 clock skew 0.2s", "mon.c clock skew nans"])
    func otherCephLinesAreNoSkew(line: String) {
        #expect(MetricsText.monitorSkew(line) == nil)
    }
}

/// The outside tools the monitoring tests use; `MERIDIAN_REQUIRE_MONITORING_TOOLS=1`
/// (scripts/test-monitoring.sh) turns a missing tool into a failure instead of a skip.
enum MonitoringTools {
    static func find(_ names: [String]) -> String? {
        for name in names {
            for directory in ["/usr/bin", "/usr/local/bin", "/bin"] where AtomicFile.exists("\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    static var promtool: String? { find(["promtool"]) }
    static var chromium: String? { find(["chromium", "chromium-browser"]) }
    static var required: Bool { ChildProcess.inheritedEnvironment["MERIDIAN_REQUIRE_MONITORING_TOOLS"] == "1" }
}
