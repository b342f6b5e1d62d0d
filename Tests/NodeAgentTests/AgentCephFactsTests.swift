import ClockSync
import Foundation
import HostSystem
import NodeAgent
import Testing
import TestSupport
import WireProtocol

/// `node.facts` asks Ceph only on a node with /etc/ceph/ceph.conf: `ceph -s`, then (when that
/// answered) `ceph time-sync-status` by the same program.
@Suite(.offPool) struct AgentCephFactsTests {
    func withCephConf(_ node: FakeNode) throws {
        try FileManager.default.createDirectory(atPath: node.root + "/etc/ceph", withIntermediateDirectories: true)
        try "[global]\nfsid = f\n".write(toFile: node.root + "/etc/ceph/ceph.conf", atomically: true, encoding: .utf8)
    }

    @Test func noCephConfNoCephCommand() throws {
        let node = try FakeNode()
        let facts = try node.call(.facts, NoParams(), as: FactsResult.self)
        #expect(facts.ceph == nil && facts.cephTimeSync == nil)
        #expect(node.ran("ceph_status").isEmpty && node.ran("time-sync-status").isEmpty, "\(node.log())")
    }

    @Test func withCephConfBothAnswersAreFacts() throws {
        let node = try FakeNode()
        try withCephConf(node)
        try node.set(outFixture: "ceph_status", "ceph/status-real-clock-skew.json")
        try node.set(outFixture: "time-sync-status", "ceph/time-sync-status-skew-node3.json")
        let facts = try node.call(.facts, NoParams(), as: FactsResult.self)
        let sync = try CephTimeSync(json: try #require(facts.cephTimeSync).stdout)
        #expect(abs((sync.monitor("node3")?.skewSeconds ?? 0) - 2.4994) < 0.001)
        #expect(try CephStatus(json: try #require(facts.ceph).stdout).clockSkew != nil)
        #expect(node.ran("time-sync-status") == ["time-sync-status --format json"], "\(node.log())")
    }

    @Test func cephThatFailsIsAFactAndTimeSyncIsNotAsked() throws {
        let node = try FakeNode()
        try withCephConf(node)
        try node.set(rc: "ceph_status", 1)
        let facts = try node.call(.facts, NoParams(), as: FactsResult.self)
        #expect(facts.ceph?.status == 1 && facts.cephTimeSync == nil)
        #expect(node.ran("time-sync-status").isEmpty, "\(node.log())")
    }
}
