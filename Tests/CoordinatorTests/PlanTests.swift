import ClockSync
@testable import Coordinator
import JSONCore
import Testing
import WireProtocol

/// `Plan.build` from survey reports: the diff is the agent's rendering against the file as it
/// is, and a node whose file cannot be planned is an error, never a plan to empty the file.
@Suite struct PlanTests {
    static func cluster() throws -> ClusterFile {
        let json = #"{"name": "lab", "time_servers": ["pve1"], "subnets": ["10.0.0.0/24"], "timezone": "UTC", "nodes": [{"name": "pve1", "address": "10.0.0.1"}, {"name": "pve2", "address": "10.0.0.2"}]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { $0 == "UTC" })
    }

    static func report(_ cluster: ClusterFile, _ name: String, current: String?) throws -> NodeReport {
        let node = try #require(cluster.node(named: name))
        var facts = FactsResult(node: name, hostname: name, chronyConf: current)
        facts.timezone = "UTC"
        return NodeReport(node: node, isTimeServer: cluster.isTimeServer(name), facts: facts, parsed: NodeFacts(node: name))
    }

    @Test func renderErrorIsAnErrorNotADiffThatEmptiesTheFile() throws {
        let cluster = try Self.cluster()
        var report = try Self.report(cluster, "pve2", current: "server 10.0.0.1 iburst\nmakestep 1 3\n")
        report.previewError = "\(ChronyConf.RenderError.unknownNode("pve2"))"
        let entry = try #require(Plan.build(cluster, from: [report]).first)
        #expect(entry.error?.contains("node pve2 is not in the cluster file") == true, "\(String(describing: entry.error))")
        #expect(entry.chronyDiff.isEmpty && entry.actions.isEmpty, "no diff, no action: \(entry.chronyDiff)")
        let text = Plan.render([entry])
        #expect(text.contains("error: cannot plan chrony.conf") && text.hasSuffix("1 of 1 nodes cannot be planned (see above)"), "\(text)")
        #expect(!text.contains("-server 10.0.0.1"))
    }

    @Test func aSurveyWithoutPreviewsIsAnErrorToo() throws {
        let cluster = try Self.cluster()
        let entry = try #require(Plan.build(cluster, from: [try Self.report(cluster, "pve1", current: "x\n")]).first)
        #expect(entry.error != nil && entry.chronyDiff.isEmpty && entry.actions.isEmpty)
    }

    /// The diff is between the two texts the agent returned; the plan renders nothing itself.
    @Test func diffIsTheAgentsRenderingAgainstTheCurrentFile() throws {
        let cluster = try Self.cluster()
        var report = try Self.report(cluster, "pve2", current: "stale facts\n")
        report.chronyPreview = ChronyPreviewResult(config: "agent line\n", current: "current line\n", changed: true)
        let entry = try #require(Plan.build(cluster, from: [report]).first)
        #expect(entry.error == nil && entry.role == .client)
        #expect(entry.chronyDiff.contains("-current line\n+agent line\n"), "\(entry.chronyDiff)")
        #expect(entry.actions.contains { $0.hasPrefix("write chrony.conf") })
        report.chronyPreview = ChronyPreviewResult(config: "same\n", current: "same\n", changed: false)
        let unchanged = try #require(Plan.build(cluster, from: [report]).first)
        #expect(unchanged.chronyDiff.isEmpty && unchanged.actions.isEmpty && unchanged.error == nil)
        #expect(Plan.render([unchanged]).hasSuffix("nothing to change: every node matches the cluster file"))
    }

    @Test func unreachableNodeIsNamed() throws {
        let cluster = try Self.cluster()
        let node = try #require(cluster.node(named: "pve1"))
        let report = NodeReport(node: node, isTimeServer: true, facts: nil, parsed: NodeFacts(node: "pve1"), error: "connection refused")
        let entry = try #require(Plan.build(cluster, from: [report]).first)
        #expect(!entry.reachable && entry.error == "connection refused")
        #expect(Plan.render([entry]).contains("unreachable: connection refused"))
    }

    /// `plan --json` keeps its documented shape: role as text, absent fields left out.
    @Test func jsonShape() throws {
        let cluster = try Self.cluster()
        var report = try Self.report(cluster, "pve1", current: "a\n")
        report.chronyPreview = ChronyPreviewResult(config: "a\n", current: "a\n", changed: false)
        let json = try JSONValue(parsing: Array(JSONText.encode(Plan.build(cluster, from: [report])).utf8))
        let entry = try #require(json.arrayValue?.first)
        #expect(entry["role"] == .string("server") && entry["reachable"] == .bool(true) && entry["chrony_diff"] == .string(""))
        #expect(entry["timezone_change"] == nil && entry["error"] == nil)
    }
}
