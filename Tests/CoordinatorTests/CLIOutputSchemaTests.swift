import ClockSync
@testable import Coordinator
import JSONCore
import Testing
import TestSupport

/// The `--json` shapes against the published schemas (protocol/schemas), checked by a real JSON
/// Schema validator; and the validator refuses what the schemas forbid, so a pass means
/// something. The lab test `statusExitCodesAndJSONFromTheRealBinary` checks the real binary's
/// output the same way.
@Suite struct CLIOutputSchemaTests {
    static func cluster() throws -> ClusterFile {
        let json = #"{"name": "lab", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [{"name": "node1", "address": "127.0.0.2"}, {"name": "node2", "address": "127.0.0.3"}, {"name": "node3", "address": "127.0.0.4"}]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    static func chrony(_ state: String, _ report: String) throws -> String {
        try readText(FixturePath.in("ClockSyncTests", "chrony/\(state)/\(report).csv"))
    }

    /// A server, a synced client and an unreachable node, from real chrony captures.
    static func status() throws -> StatusReport {
        let cluster = try cluster()
        let server = NodeFacts(node: "node1", tracking: try ChronyTracking(csv: try chrony("server-local", "tracking")),
                               sources: try ChronySources.parse(csv: try chrony("server-local", "sources")), timezone: "UTC")
        let client = NodeFacts(node: "node2", tracking: try ChronyTracking(csv: try chrony("client-synced", "tracking")),
                               sources: try ChronySources.parse(csv: try chrony("client-synced", "sources")), timezone: "UTC",
                               measuredOffsetSeconds: 0.0004, measuredAgainst: "node1")
        let lost = NodeFacts(node: "node3", unreachable: "127.0.0.4:7480: connection refused")
        return StatusReport(cluster: cluster, nodes: [
            NodeReport(node: cluster.nodes[0], isTimeServer: true, facts: nil, parsed: server, offsetFromHere: 0.001, error: nil),
            NodeReport(node: cluster.nodes[1], isTimeServer: false, facts: nil, parsed: client, offsetFromHere: 0.0014, error: nil),
            NodeReport(node: cluster.nodes[2], isTimeServer: false, facts: nil, parsed: lost, offsetFromHere: nil, error: lost.unreachable),
        ])
    }

    @Test func statusFollowsItsSchema() async throws {
        let json = try Self.status().json
        #expect(json["nodes"]?.arrayValue?.count == 3)
        #expect(try await JSONSchemaCheck.problems(json.prettyText, against: "status.schema.json") == [])
    }

    /// Each of these breaks the status schema in one way; the validator must say so.
    @Test(arguments: ["no nodes", "extra key", "missing key", "bad verdict", "bad leap"])
    func statusSchemaRefuses(change: String) async throws {
        guard case .object(var top) = try Self.status().json, case .array(var nodes)? = top["nodes"],
              case .object(var first)? = nodes.first else { Issue.record("status JSON is not an object with nodes"); return }
        switch change {
        case "no nodes": nodes = []
        case "extra key": first["colour"] = .string("blue")
        case "missing key": first["synced"] = nil
        case "bad verdict": first["verdict"] = .string("fine")
        default: first["leap"] = .string("Sideways")
        }
        if !nodes.isEmpty { nodes[0] = .object(first) }
        top["nodes"] = .array(nodes)
        let problems = try await JSONSchemaCheck.problems(JSONValue.object(top).prettyText, against: "status.schema.json")
        #expect(problems.count == 1, "\(change): \(problems)")
    }

    @Test func pingPlanAndClockSetFollowTheirSchemas() async throws {
        let ping = JSONText.encode([
            PingReport(target: "127.0.0.2", ok: true, node: "node1", agentVersion: "0.4.0", rttSeconds: 0.0002, offsetSeconds: -0.00001),
            PingReport(target: "127.0.0.1:1", ok: false, error: "127.0.0.1:1: connection refused"),
        ])
        #expect(try await JSONSchemaCheck.problems(ping, against: "ping-report.schema.json") == [])
        let plan = JSONText.encode([
            PlanEntry(node: "node1", role: .server, reachable: true, chronyDiff: "--- a\n+++ b\n", timezoneChange: "Etc/UTC → UTC",
                      actions: ["set timezone Etc/UTC → UTC"], error: nil),
            PlanEntry(node: "node3", role: .client, reachable: false, chronyDiff: "", timezoneChange: nil, actions: [], error: "refused"),
        ])
        #expect(try await JSONSchemaCheck.problems(plan, against: "plan.schema.json") == [])
        let clockSet = JSONText.encode([
            ClockSet.Outcome(node: "node1", stepSeconds: 0.25, detail: "200 OK", failed: false),
            ClockSet.Outcome(node: "node2", stepSeconds: nil, detail: "connection refused", failed: true),
        ])
        #expect(try await JSONSchemaCheck.problems(clockSet, against: "clock-set.schema.json") == [])
        #expect(try await JSONSchemaCheck.problems(#"[{"node": "node1", "failed": "no"}]"#, against: "clock-set.schema.json").count == 2)
        #expect(try await JSONSchemaCheck.problems("[]", against: "plan.schema.json").count == 1)
    }
}
