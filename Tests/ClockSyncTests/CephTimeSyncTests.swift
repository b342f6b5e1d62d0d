@testable import ClockSync
import Testing

/// `ceph time-sync-status --format json` and `ceph -s --format json` as real monitors printed
/// them in the container lab (Debian 12's ceph-mon 16.2.15, node3's clock at +2.5 s).
@Suite struct CephTimeSyncTests {
    @Test func realSkewOfANonLeaderMonitor() throws {
        let sync = try CephTimeSync(json: try fixture("ceph/time-sync-status-skew-node3.json"))
        #expect(sync.monitors.map(\.name) == ["node1", "node2", "node3"])
        let node3 = try #require(sync.monitor("node3"))
        #expect(abs(node3.skewSeconds - 2.4994) < 0.001)
        #expect(node3.health == "HEALTH_WARN" && node3.details == "clock skew 2.49935s > max 0.05s")
        // The leader measures the others: its own skew is 0 by definition.
        #expect(sync.monitor("node1")?.skewSeconds == 0 && sync.monitor("node1")?.health == "HEALTH_OK")
        #expect(sync.monitor("node2")?.details == nil)
        #expect(sync.roundStatus == "finished")
        #expect(sync.monitor("node4") == nil)
    }

    @Test func realStatusNamesTheSkewedMonitorInItsSummary() throws {
        let status = try CephStatus(json: try fixture("ceph/status-real-clock-skew.json"))
        #expect(status.status == "HEALTH_WARN")
        #expect(status.checks.map(\.code) == ["MON_CLOCK_SKEW"])
        #expect(status.clockSkew?.summary == "clock skew detected on mon.node3")
    }

    @Test(arguments: malformedInputs + [
        "[1,2]", #"{"timechecks": {}}"#,
        #"{"time_skew_status": {"a": {"skew": "big", "latency": 0, "health": "HEALTH_OK"}}}"#,
        #"{"time_skew_status": {"a": {"skew": 0.1, "latency": 0, "health": "FINE"}}}"#,
        #"{"time_skew_status": {"a": {"latency": 0, "health": "HEALTH_OK"}}}"#,
    ])
    func rejectsMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try CephTimeSync(json: text) }
    }

    @Test func noMonitorsIsEmptyNotAnError() throws {
        #expect(try CephTimeSync(json: #"{"time_skew_status": {}}"#).monitors.isEmpty)
    }
}
