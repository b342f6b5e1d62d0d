@testable import ClockSync
import Testing

/// A node whose agent answered but whose chronyd is stopped is a known failure (critical), not
/// an unknown; with orphan mode the other time servers keep the cluster served (warning).
/// chronyc's failure texts are real captures (fixtures chrony/not-running-*).
@Suite struct ChronydDownVerdictTests {
    static func captured(_ folder: String, _ report: String) throws -> ChronycFailure {
        let base = "chrony/\(folder)/\(report)"
        let status = Int32(try fixture(base + ".status").trimmingWhitespace) ?? -1
        return ChronycFailure(status: status, stdout: try fixture(base + ".stdout"), stderr: try fixture(base + ".stderr"))
    }

    @Test(arguments: [
        ("not-running-socket", "tracking", "Could not open connection to daemon"),
        ("not-running-socket", "sources", "Could not open connection to daemon"),
        ("not-running-default", "tracking", "506 Cannot talk to daemon"),
    ])
    func chronycSaysChronydIsNotRunning(folder: String, report: String, line: String) throws {
        #expect(try Self.captured(folder, report) == .daemonNotRunning(evidence: line))
    }

    @Test(arguments: [
        (Int32(1), "", "501 Not authorised\n", false),
        (Int32(0), "", "Could not open connection to daemon\n", false),
        (Int32(1), "Could not open connection to daemon\n", "", true),
    ])
    func otherFailuresAreNotTakenForAStoppedChronyd(status: Int32, stdout: String, stderr: String, timedOut: Bool) {
        let failure = ChronycFailure(status: status, stdout: stdout, stderr: stderr, timedOut: timedOut)
        guard case .failed = failure else { Issue.record("\(failure)"); return }
    }

    func orphanCluster() throws -> ClusterFile {
        try cluster("""
        {"name": "lab", "time_servers": ["pve1", "pve2", "pve3"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
         "nodes": [{"name": "pve1", "address": "127.0.0.9"}, {"name": "pve2", "address": "127.0.0.2"},
                   {"name": "pve3", "address": "127.0.0.5"}, {"name": "pve4", "address": "127.0.0.3"}]}
        """)
    }

    func stopped(_ node: String) throws -> NodeFacts {
        NodeFacts(node: node, timezone: "UTC", trackingFailure: try Self.captured("not-running-socket", "tracking"))
    }

    func serving(_ node: String) throws -> NodeFacts {
        NodeFacts(node: node, tracking: try ChronyTracking(csv: try fixture("chrony/server-local/tracking.csv")),
                  sources: try ChronySources.parse(csv: try fixture("chrony/server-local/sources.csv")), timezone: "UTC")
    }

    func client(_ node: String) throws -> NodeFacts {
        NodeFacts(node: node, tracking: try ChronyTracking(csv: try fixture("chrony/client-synced/tracking.csv")),
                  sources: try ChronySources.parse(csv: try fixture("chrony/client-synced/sources.csv")), timezone: "UTC")
    }

    @Test func oneOfThreeServersStoppedIsACriticalNodeInAWarningCluster() throws {
        let cluster = try orphanCluster()
        let verdict = Verdict.evaluate(cluster: [try stopped("pve1"), try serving("pve2"), try serving("pve3"), try client("pve4")],
                                       in: cluster)
        let pve1 = try #require(verdict.nodes.first { $0.node == "pve1" })
        #expect(pve1.severity == .critical)
        #expect(pve1.problems.map(\.message) == ["pve1: chronyd is not running (chronyc: Could not open connection to daemon)"])
        #expect(verdict.nodes.filter { $0.node != "pve1" }.allSatisfy { $0.severity == .ok }, "\(verdict.nodes)")
        #expect(verdict.severity == .warning, "\(verdict)")
        #expect(verdict.clusterFindings.contains(Finding(.warning, "time server pve1 does not serve; pve2, pve3 still serve")))
    }

    @Test func theOnlyServerStoppedMakesTheClusterCritical() throws {
        let single = try cluster("""
        {"name": "lab", "time_servers": ["pve1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
         "nodes": [{"name": "pve1", "address": "127.0.0.2"}, {"name": "pve2", "address": "127.0.0.3"}]}
        """)
        let verdict = Verdict.evaluate(cluster: [try stopped("pve1"), try client("pve2")], in: single)
        #expect(verdict.severity == .critical)
        #expect(verdict.clusterFindings.isEmpty)
    }

    @Test func whatMeridianCannotTellStaysUnknown() throws {
        let cluster = try orphanCluster()
        let unparsable = NodeFacts(node: "pve1", trackingFailure: .unparsable(reason: "chronyc -c tracking: 14 fields, found 3"))
        let unreachable = NodeFacts(node: "pve1", unreachable: "connection refused")
        for facts in [unparsable, unreachable] {
            let verdict = Verdict.evaluate(cluster: [facts, try serving("pve2"), try serving("pve3"), try client("pve4")], in: cluster)
            #expect(verdict.nodes.first?.severity == .unknown, "\(verdict.nodes)")
            #expect(verdict.severity == .unknown)
        }
    }
}
