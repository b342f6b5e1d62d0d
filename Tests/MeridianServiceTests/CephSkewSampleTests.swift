import ClockSync
@testable import Coordinator
@testable import MeridianService
import Testing
import TestSupport

/// Ceph's own per-monitor skew (`ceph time-sync-status`, captured in the container lab) in the
/// status JSON, the status table and the samples the history and metrics keep.
@Suite struct CephSkewSampleTests {
    func report(withTimeSync: Bool) throws -> StatusReport {
        let base = try MonitoringFixture.report(unreachable: [], nodes: 3)
        var nodes = base.nodes
        if withTimeSync {
            nodes[0].parsed.cephTimeSync = try CephTimeSync(json: readText(FixturePath.in("ClockSyncTests", "ceph/time-sync-status-skew-node3.json")))
        }
        return StatusReport(cluster: base.cluster, nodes: nodes)
    }

    @Test func everyMonitorNodeGetsCephsSkew() throws {
        let report = try report(withTimeSync: true)
        let samples = report.samples(at: MonitoringFixture.time)
        #expect(abs((samples.first { $0.node == "node3" }?.cephSkewSeconds ?? 0) - 2.4994) < 0.001)
        #expect(samples.first { $0.node == "node1" }?.cephSkewSeconds == 0)
        let json = report.json["nodes"]?.arrayValue ?? []
        #expect(abs((json.last?["ceph_skew_seconds"]?.doubleValue ?? 0) - 2.4994) < 0.001)
        let rows = StatusTable.rows(report)
        #expect(rows[0].suffix(2) == ["CEPH", "VERDICT"])
        #expect(rows[3][rows[3].count - 2].hasSuffix(" SKEW"), "\(rows[3])")
        #expect(!rows[2][rows[2].count - 2].contains("SKEW"), "\(rows[2])")
    }

    @Test func withoutTimeSyncNoCephColumnAndNoSkew() throws {
        let report = try report(withTimeSync: false)
        #expect(!StatusTable.rows(report)[0].contains("CEPH"))
        #expect(report.samples(at: MonitoringFixture.time).allSatisfy { $0.cephSkewSeconds == nil })
        #expect(report.json["nodes"]?.arrayValue?.allSatisfy { $0["ceph_skew_seconds"] == .null } == true)
    }
}
