@testable import ClockSync
import Testing

/// Verdicts on the real chrony captures: the lab's server is 127.0.0.2.
@Suite struct VerdictTests {
    let lab: ClusterFile

    init() throws {
        lab = try cluster("""
        {"name": "lab", "time_servers": ["pve1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
         "nodes": [{"name": "pve1", "address": "127.0.0.2"}, {"name": "pve2", "address": "127.0.0.3"},
                   {"name": "pve3", "address": "127.0.0.4"}]}
        """)
    }

    func facts(_ node: String, _ state: String, measured: Double? = nil) throws -> NodeFacts {
        NodeFacts(node: node,
                  tracking: try ChronyTracking(csv: try fixture("chrony/\(state)/tracking.csv")),
                  sources: try ChronySources.parse(csv: try fixture("chrony/\(state)/sources.csv")),
                  timezone: "UTC", measuredOffsetSeconds: measured, measuredAgainst: "pve1")
    }

    @Test func serverOnLocalClockIsOK() throws {
        let verdict = Verdict.evaluate(try facts("pve1", "server-local"), in: lab)
        #expect(verdict.severity == .ok, "\(verdict.findings)")
        #expect(verdict.findings.contains { $0.message == "pve1: serving its local clock at stratum 10" })
    }

    @Test func syncedClientIsOK() throws {
        let verdict = Verdict.evaluate(try facts("pve2", "client-synced", measured: 0.0004), in: lab)
        #expect(verdict.severity == .ok, "\(verdict.findings)")
        #expect(verdict.findings.contains { $0.message == "pve2: synchronised to 127.0.0.2 (stratum 10)" })
    }

    @Test func fastClientIsCriticalWithTheOffsetInWords() throws {
        let verdict = Verdict.evaluate(try facts("pve2", "client-fast-2.5s", measured: 2.503), in: lab)
        #expect(verdict.severity == .critical)
        #expect(verdict.problems.contains { $0.message == "pve2: 2.503 s fast of pve1 (tolerance 50 ms)" }, "\(verdict.problems)")
        #expect(verdict.problems.contains { $0.message.hasPrefix("pve2: chrony says 2.5") && $0.message.hasSuffix("s fast (tolerance 50 ms)") })
    }

    @Test func unreachableServerIsNamed() throws {
        let verdict = Verdict.evaluate(try facts("pve3", "client-unreachable"), in: lab)
        #expect(verdict.severity == .critical)
        #expect(verdict.problems.map(\.message) == ["pve3: no selectable source; 127.0.0.9 unreachable (reach 0)"])
    }

    @Test func unsyncedClientHasNoSelectableSource() throws {
        let verdict = Verdict.evaluate(try facts("pve2", "client-unsynced"), in: lab)
        #expect(verdict.severity == .critical)
        #expect(verdict.problems.first?.message == "pve2: no selectable source; 127.0.0.2 unusable")
    }

    @Test func syncedToAForeignServerIsCritical() throws {
        let other = try cluster("""
        {"name": "lab", "time_servers": ["pve1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
         "nodes": [{"name": "pve1", "address": "127.0.0.20"}, {"name": "pve2", "address": "127.0.0.3"}]}
        """)
        let verdict = Verdict.evaluate(try facts("pve2", "client-synced"), in: other)
        #expect(verdict.problems.contains { $0.message == "pve2: selected source 127.0.0.2 is not one of the cluster's time servers" })
    }

    @Test func halfToleranceIsAWarning() throws {
        let verdict = Verdict.evaluate(try facts("pve2", "client-synced", measured: -0.030), in: lab)
        #expect(verdict.severity == .warning)
        #expect(verdict.problems.map(\.message) == ["pve2: 30 ms slow of pve1 (tolerance 50 ms)"])
    }

    @Test func quorumCephAndFirewallFindings() throws {
        var node = try facts("pve1", "server-local")
        node.quorum = try QuorumStatus(quorumtool: try fixture("pvecm/quorumtool-2-node-not-quorate.txt"))
        node.ceph = try CephStatus(json: try fixture("ceph/status-clock-skew.json"))
        node.firewall = .blocked
        node.foreignSources = ["pool 2.debian.pool.ntp.org iburst"]
        let messages = Verdict.evaluate(node, in: lab).problems.map(\.message)
        #expect(messages.contains("pve1: cluster not quorate (1 of 2 expected votes)"))
        #expect(messages.contains { $0.hasPrefix("pve1: Ceph reports MON_CLOCK_SKEW (clock skew detected on mon.mira049, mon.mira060): mon.mira049 clock skew 0.632786s") })
        #expect(messages.contains("pve1: firewall blocks NTP (UDP 123) on a time server"))
        #expect(messages.contains("pve1: foreign time source outside Meridian's plan: pool 2.debian.pool.ntp.org iburst"))
    }

    @Test func missingFactsAreUnknown() {
        #expect(Verdict.evaluate(NodeFacts(node: "pve2"), in: lab).severity == .unknown)
        let unreachable = Verdict.evaluate(NodeFacts(node: "pve2", unreachable: "connection refused"), in: lab)
        #expect(unreachable.problems.map(\.message) == ["pve2: agent unreachable (connection refused)"])
    }

    @Test func clusterVerdictIsTheWorstAndChecksTimezones() throws {
        var second = try facts("pve2", "client-synced")
        second.timezone = "Europe/Berlin"
        let verdict = Verdict.evaluate(cluster: [try facts("pve1", "server-local"), second], in: lab)
        #expect(verdict.clusterFindings.map(\.message).contains("timezones differ across nodes (Europe/Berlin: pve2; UTC: pve1)"))
        #expect(verdict.clusterFindings.map(\.message).contains("pve3: no facts collected"))
        #expect(verdict.severity == .unknown)
        #expect(Severity.worst([.ok, .warning, .critical, .unknown]) == .critical)
        #expect(Severity.worst([.ok, .warning]) == .warning)
    }

    @Test(arguments: [(2.503, "2.503 s"), (0.05, "50 ms"), (0.0125, "12.5 ms"), (0.000812, "812 µs"), (9.5e-8, "95 ns")])
    func durationsAreReadable(seconds: Double, text: String) {
        #expect(Durations.duration(seconds) == text)
    }
}
