import ClockSync
@testable import Coordinator
import Testing

/// Text an agent controls (its node name in a hello, errors, facts) must not reach a terminal as
/// control sequences: no screen clearing, no forged rows.
@Suite struct OutputEscapingTests {
    static let hostile = "UTC\u{1B}[2J\nnode9  server  LOCAL  serving  ok\rX"

    @Test(arguments: [
        ("\u{1B}[2J", "\\x1B[2J"),
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("del\u{7F}", "del\\x7F"),
        ("c1\u{9B}31m", "c1\\x9B31m"),
        ("bidi\u{202E}txt.exe", "bidi\\u{202E}txt.exe"),
        ("isolate\u{2066}x\u{2069}", "isolate\\u{2066}x\\u{2069}"),
        ("Asia/Jakarta µs → ok", "Asia/Jakarta µs → ok"),
    ])
    func controlCharactersAreEscaped(raw: String, shown: String) {
        #expect(TerminalText.escaped(raw) == shown)
    }

    func cluster() throws -> ClusterFile {
        let json = #"{"name": "lab", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [{"name": "node1", "address": "127.0.0.2"}, {"name": "node2", "address": "127.0.0.3"}]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    @Test func statusTableKeepsOneLinePerNodeWhateverTheAgentSays() throws {
        let cluster = try cluster()
        let server = NodeReport(node: cluster.nodes[0], isTimeServer: true, facts: nil,
                                parsed: NodeFacts(node: "node1", timezone: Self.hostile), offsetFromHere: nil, error: nil)
        var parsed = NodeFacts(node: "node2")
        parsed.unreachable = "agent says it is \"\(Self.hostile)\""
        let client = NodeReport(node: cluster.nodes[1], isTimeServer: false, facts: nil, parsed: parsed,
                                offsetFromHere: nil, error: parsed.unreachable)
        let text = StatusTable.render(StatusReport(cluster: cluster, nodes: [server, client]))
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" })
        #expect(text.contains("UTC\\x1B[2J\\nnode9"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Header, two rows, then one line per reason and the cluster line; no forged row.
        #expect(lines.filter { $0.hasPrefix("node9") }.isEmpty, "\(text)")
        #expect(lines.filter { $0.hasPrefix("node") }.count == 2, "\(text)")
        let reasons = lines.filter { $0.hasPrefix("  ") }
        #expect(lines.count == 1 + 2 + reasons.count + 1, "\(text)")
    }

    @Test func pingTableAndPlanEscapeAgentText() {
        let table = PingTable.render([
            PingReport(target: "127.0.0.2", ok: true, node: Self.hostile, agentVersion: "1.0\u{1B}]0;title\u{07}"),
            PingReport(target: "127.0.0.3", ok: false, error: Self.hostile),
        ])
        #expect(table.split(separator: "\n").count == 3, "\(table)")
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let plan = Plan.render([PlanEntry(node: "node2", role: .client, reachable: true, chronyDiff: "+server x\u{1B}[1A\n",
                                          timezoneChange: nil, actions: ["set timezone \(Self.hostile)"], error: nil)])
        #expect(plan.contains("set timezone UTC\\x1B[2J\\nnode9"), "\(plan)")
        #expect(plan.contains("+server x\\x1B[1A\n"), "\(plan)")
        #expect(!plan.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" })
    }
}
