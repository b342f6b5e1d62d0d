import ClockSync
@testable import Coordinator
import JSONCore
@testable import MeridianService
import Testing

@Suite struct CheckTests {
    static func status(_ offsets: [String: Double], unreachable: Set<String> = []) throws -> JSONValue {
        try MonitoringFixture.report(offsets: offsets, unreachable: unreachable, nodes: 3, ceph: false).json
    }

    @Test(arguments: [
        (["node2": 0.0004, "node3": 0.031], Set<String>(), Severity.warning,
         "MERIDIAN WARNING - node3 31 ms fast of node1 | node1=0s;0.025;0.05 node2=0.0004s;0.025;0.05 node3=0.031s;0.025;0.05"),
        (["node2": 0.0004, "node3": -0.0012], Set<String>(), Severity.ok,
         "MERIDIAN OK - 3 nodes within 25 ms of node1, largest offset 1.2 ms (node3) | node1=0s;0.025;0.05 node2=0.0004s;0.025;0.05 node3=-0.0012s;0.025;0.05"),
        (["node2": 0.03, "node3": 2.5], Set<String>(), Severity.critical,
         "MERIDIAN CRITICAL - node3 2.500 s fast of node1, node2 30 ms fast of node1 | node1=0s;0.025;0.05 node2=0.03s;0.025;0.05 node3=2.5s;0.025;0.05"),
        (["node2": 0.0004], Set(["node3"]), Severity.critical,
         "MERIDIAN CRITICAL - node3 unreachable | node1=0s;0.025;0.05 node2=0.0004s;0.025;0.05 node3=U;0.025;0.05"),
    ])
    func statusBecomesOnePluginLine(offsets: [String: Double], unreachable: Set<String>, severity: Severity, line: String) throws {
        let result = PluginCheck.evaluate(status: try Self.status(offsets, unreachable: unreachable), warning: 0.025, critical: 0.05, includeVerdict: false)
        #expect(result.severity == severity)
        #expect(result.line == line)
    }

    /// Without -w/-c the cluster's verdict counts too: a 2.5 s offset under a 10 s threshold
    /// still fails when the cluster file's tolerance says so.
    @Test func clusterVerdictCountsWhenThresholdsAreTheClusterFiles() throws {
        let status = try Self.status(["node3": 2.5])
        #expect(PluginCheck.evaluate(status: status, warning: 5, critical: 10, includeVerdict: false).severity == .ok)
        #expect(PluginCheck.evaluate(status: status, warning: 5, critical: 10, includeVerdict: true).severity == .critical)
    }

    @Test(arguments: [(JSONValue.object([:]), "MERIDIAN UNKNOWN - the status names no nodes"), (.array([]), "MERIDIAN UNKNOWN - the status names no nodes")])
    func nonsenseIsUnknown(status: JSONValue, line: String) {
        let result = PluginCheck.evaluate(status: status, warning: 0.025, critical: 0.05, includeVerdict: true)
        #expect(result.severity == .unknown && result.line == line)
    }

    @Test(arguments: [("node1", "node1"), ("a b", "'a b'"), ("it's", "'it''s'"), ("x=y", "'x=y'"), ("p|q", "p_q"), ("new\nline", "'new line'")])
    func perfdataLabelsAreQuotedWhereNeeded(name: String, label: String) {
        #expect(PluginCheck.label(name) == label)
    }

    @Test(arguments: [(0.0, "0"), (0.031, "0.031"), (-2.5, "-2.5"), (0.0000004, "0"), (0.0000015, "0.000002"), (1e12, "U"), (Double.nan, "U")])
    func secondsAreShortDecimals(value: Double, text: String) {
        #expect(PluginCheck.seconds(value) == text)
    }
}

extension CheckTests {
    /// The clock is the headline: offsets and unreachable nodes come before "not synced".
    @Test func offsetsAreListedBeforeSyncProblems() throws {
        guard case .object(var status) = try Self.status(["node2": 0.0004, "node3": 2.5]), var nodes = status["nodes"]?.arrayValue else {
            Issue.record("status is not an object"); return
        }
        for index in nodes.indices { if case .object(var node) = nodes[index] { node["synced"] = .bool(false); nodes[index] = .object(node) } }
        status["nodes"] = .array(nodes)
        let result = PluginCheck.evaluate(status: .object(status), warning: 0.025, critical: 0.05, includeVerdict: false)
        #expect(result.line.hasPrefix("MERIDIAN CRITICAL - node3 2.500 s fast of node1, node1 not synced, node2 not synced, node3 not synced |"), "\(result.line)")
    }
}
