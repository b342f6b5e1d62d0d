import ClockSync
import Coordinator
import HostSystem
import JSONCore
import MeridianService
import SecureTransport
import Testing
import TestSupport

/// The alerts on the real loopback lab (real chronyd -x, real agents on libfaketime clocks):
/// surveys by `Survey.run`, published on a ServiceState as the watch loop will, a webhook
/// receiver on 127.0.0.1. Takes the lab's turn (`LabTurn`) in this process; run it under the
/// shared flock: `flock /tmp/meridian-test.lock swift test --skip-build --filter AlertLabTests`.
@Suite(.serialized) struct AlertLabTests {
    @Test func skewedNodeFiresOneEventAndItsFixOneRecovery() async throws {
        try await LabTurn.shared.withTurn {
            let directory = try TemporaryDirectory("meridian-alert-lab")
            let layout = LabLayout(directory: directory.path)
            do {
                try await scenario(layout)
            } catch {
                await Lab.stop(layout)
                throw error
            }
            await Lab.stop(layout)
        }
    }

    func scenario(_ layout: LabLayout) async throws {
        var request = Lab.Request(directory: layout.directory, meridianBinary: AgentProcess.meridianBinary, agentBinary: AgentProcess.agentBinary)
        request.nodes = 2
        let cluster = try await Lab.start(request)
        let context = try CertificateDirectory(path: cluster.certificateDirectory).coordinatorContext()
        var options = Apply.Options(journalPath: layout.journal)
        options.settleSeconds = 45
        let applied = await Apply.run(cluster, context: context, options: options) { _ in }
        try #require(applied.status.severity == .ok, "the lab is ok before the test: \(StatusTable.render(applied.status))")

        let receiver = try AlertTestReceiver()
        defer { receiver.stop() }
        let rig = try AlertWebhookTests.Rig(clusterName: cluster.name) { $0.webhooks = [receiver.url] }
        defer { rig.alerter.stop() }
        func survey() async throws -> Bool {
            let time = WallClock.now().asDouble
            let began = ContinuousClock.now
            let nodes = await Survey.run(cluster, context: context)
            rig.state.publish(Snapshot(status: StatusReport(cluster: cluster, nodes: nodes), time: time,
                                       durationSeconds: (ContinuousClock.now - began).seconds))
            return try await rig.idle()
        }
        func node2Events() throws -> [JSONValue] {
            try receiver.requests.map { try JSONValue(parsing: Array($0.body.utf8)) }.filter { $0["node"] == .string("node2") }
        }

        // The baseline: an ok cluster, two surveys, nothing told.
        #expect(try await survey())
        #expect(try await survey())
        #expect(receiver.requests.isEmpty, "\(receiver.requests.map(\.body))")

        // node2 one second fast: critical at the first survey, told after the second.
        let before = LabClock.readOffset(layout, node: "node2")
        try LabClock.step(layout, node: "node2", by: 1.0)
        let stepped = ContinuousClock.now
        #expect(try await survey())
        #expect(try node2Events().isEmpty, "one critical survey is not enough")
        #expect(try await survey())
        let told = ContinuousClock.now - stepped
        let critical = try node2Events()
        #expect(critical.count == 1, "exactly one event names node2: \(critical)")
        let event = try #require(critical.first)
        #expect(event["event"] == .string("verdict_changed") && event["from"] == .string("ok") && event["to"] == .string("critical"), "\(event)")
        let reasons = event["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(reasons.contains { $0.hasPrefix("node2: ") && $0.contains("fast") }, "\(reasons)")
        #expect(receiver.requests.count == 2, "node2's event and the cluster's: \(receiver.requests.map(\.body))")
        print("alert lab: node2's critical event reached the receiver \(told) after the step (two surveys)")

        // The fix: node2's clock back where it was. The lab's clock loop may still be slewing
        // from chrony's last estimate, so surveys go on (up to 90) until the recovery is told.
        try LabClock.writeOffset(layout, node: "node2", seconds: before)
        let fixed = ContinuousClock.now
        var surveys = 0
        func recovered() throws -> Bool { try node2Events().last?["recovery"] == .bool(true) }
        while surveys < 90, try !recovered() {
            #expect(try await survey())
            surveys += 1
            if try !recovered() { _ = try await DedicatedThread.run(name: "pause") { ChildProcess.sleep(.milliseconds(500)) } }
        }
        // Usually one more event, the recovery from critical. chrony's slew from its last estimate
        // can swing node2 through the warning band, or past zero into critical again (seen on CI:
        // critical -> warning -> critical -> ok), before it settles. Whatever the path, the events
        // chain (each one's "from" is the one before's "to"), every change held two surveys before
        // it was told (so at most one event per two surveys after the fix), exactly one of them is
        // a recovery, and it is the last.
        let all = try node2Events()
        #expect(all.count >= 2 && all.count <= 1 + surveys / 2, "node2's events after the fix (\(surveys) surveys) end in its recovery: \(all)")
        #expect(all.filter { $0["recovery"] == .bool(true) }.count == 1, "one recovery: \(all)")
        for (earlier, later) in zip(all, all.dropFirst()) {
            #expect(later["from"] == earlier["to"] && later["from"] != later["to"], "the events chain: \(all)")
        }
        let recovery = try #require(all.last)
        #expect(recovery["from"] != .string("ok") && recovery["to"] == .string("ok") && recovery["recovery"] == .bool(true), "\(recovery)")
        print("alert lab: recovery told \(ContinuousClock.now - fixed) after the fix, \(surveys) surveys")
        #expect(try await AlertSchemaCheck.problems(receiver.requests.map(\.body), against: "event.schema.json") == [])
        #expect(try rig.store.events(since: 0).filter { $0.node == "node2" }.count == all.count)
    }
}
