import HostSystem
import ClockSync
import JSONCore
@testable import Coordinator
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// End to end on the lab: real chronyd (-x) per node on 127.0.0.N, real agent processes, the lab's
/// clock loop. Serialized: every lab uses the same loopback addresses.
@Suite(.serialized) final class LabIntegrationTests {
    let directory: TemporaryDirectory
    let layout: LabLayout
    var cluster: ClusterFile?

    init() throws {
        directory = try TemporaryDirectory("meridian-lab-test")
        layout = LabLayout(directory: directory.path)
    }

    deinit { Lab.down(layout) }

    /// Starts the lab off the cooperative pool (`Lab.start`: it waits for every process).
    func up(nodes: Int, servers: Int = 1, skews: [String: Double] = [:]) async throws -> (ClusterFile, TLSContext) {
        let build = AgentProcess.buildDirectory
        var request = Lab.Request(directory: directory.path, meridianBinary: build + "/meridian", agentBinary: build + "/meridian-agent")
        request.nodes = nodes
        request.servers = servers
        request.skews = skews
        let cluster = try await Lab.start(request)
        self.cluster = cluster
        return (cluster, try CertificateDirectory(path: cluster.certificateDirectory).coordinatorContext())
    }

    func options() -> Apply.Options {
        var options = Apply.Options(journalPath: layout.journal)
        options.settleSeconds = 45
        return options
    }

    @Test func freshLabIsCriticalApplyFixesItAndASecondApplyChangesNothing() async throws {
        let (cluster, context) = try await up(nodes: 3, skews: ["node3": 2.5])
        let before = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        #expect(before.severity == .critical)
        let skewed = try #require(before.nodes.first { $0.name == "node3" }?.parsed.measuredOffsetSeconds)
        #expect(abs(skewed - 2.5) < 0.1, "the skewed node measured at \(skewed) s (generous: a loaded machine; scripts/bench*.sh has the figure)")
        #expect(before.verdict(of: "node2")?.problems.contains { $0.message.contains("no selectable source") } == true)

        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.failed.isEmpty, "\(applied.failed)")
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        #expect(applied.status.nodes.filter { !$0.isTimeServer }.count == 2)
        for node in applied.status.nodes where !node.isTimeServer {
            #expect(node.parsed.sources?.selected?.address == "127.0.0.2", "\(node.name) follows the time server")
            #expect(node.parsed.timezone == "Asia/Jakarta")
        }
        let journal = try readText(layout.journal)
        #expect(journal.contains(#""step":"chrony""#) && journal.contains(#""outcome":"changed""#))

        let again = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(!again.changedAnything, "\(again.steps.filter { $0.outcome == "changed" })")
        #expect(again.failed.isEmpty)
    }

    @Test func configChronydRefusesIsRolledBackWithEvidence() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let node = try #require(cluster.node(named: "node2"))
        let before = try readText(layout.chronyConf("node2"))
        var caught: (any Error)?
        do {
            _ = try await DedicatedThread.run(name: "test-apply") {
                let client = try Survey.connect(node, context: context, timeout: .seconds(10))
                defer { client.close() }
                return try client.call(.applyChrony, params: ChronyApplyParams(
                    config: "this_is_not_a_chrony_directive 1\n", role: "client", timeServers: ["127.0.0.2"], waitSeconds: 5),
                    timeout: .seconds(60), as: ChronyApplyResult.self)
            }
        } catch {
            caught = error
        }
        guard let failure = caught as? AgentCallError else {
            Issue.record("a config chronyd refuses was accepted, or failed otherwise: \(String(describing: caught))")
            return
        }
        #expect(failure.error.code == RPCError.actionFailed)
        let evidence = try RPCCodec.decode(ActionFailure.self, from: failure.error.data)
        #expect(evidence.rolledBack)
        #expect(evidence.stage == "restart chrony")
        // The failed restart is in the evidence with chronyd's own complaint.
        #expect(evidence.evidence.contains { !$0.succeeded && $0.stderr.contains("chronyd exited") }, "\(evidence.evidence)")
        #expect(try readText(layout.chronyConf("node2")) == before, "previous chrony.conf restored")
        #expect(LabProcesses.chronydPID(layout, node: "node2") != nil, "chronyd runs again with the previous config")
    }

    @Test func unreachableAgentIsNamedOthersFinishAndARerunCompletes() async throws {
        let (cluster, context) = try await up(nodes: 3)
        let state = try #require(LabState.load(layout))
        let agent = try #require(state.agents["node3"])
        _ = try await DedicatedThread.run(name: "stop-agent") { LabProcesses.stop(agent) }
        let first = await Apply.run(cluster, context: context, options: { var o = options(); o.settleSeconds = 3; return o }()) { _ in }
        #expect(first.failed.map(\.node) == ["node3"])
        #expect(first.exitCode == 2)
        #expect(first.steps.contains { $0.node == "node2" && $0.step == "chrony" && $0.outcome == "changed" })
        let layout = layout
        try await DedicatedThread.run(name: "restart-agent") { try Lab.restartAgent(layout, node: "node3", agentBinary: AgentProcess.agentBinary) }
        let second = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(second.failed.isEmpty, "\(second.failed)")
        #expect(second.status.severity == .ok, "\(StatusTable.render(second.status))")
    }

    @Test func orphanModeKeepsClientsServedWhenAServerStops() async throws {
        let (cluster, context) = try await up(nodes: 4, servers: 3)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let layout = layout
        _ = try await DedicatedThread.run(name: "stop-chronyd") { LabProcesses.stopChronyd(layout, node: "node1") }
        // Within a few polls the client either re-selects a remaining server, or chrony keeps the
        // silent one selected on its last estimate (it does when the others agree with it) and
        // status says so. Either way the client keeps a selected source and time. Polled until
        // one of the two shows (bound by the event; the deadline only bounds a hang).
        func servedOrExplained(_ status: StatusReport) -> Bool {
            guard let selected = status.nodes.first(where: { $0.name == "node4" })?.parsed.sources?.selected else { return false }
            return ["127.0.0.3", "127.0.0.4"].contains(selected.address)
                || status.verdict(of: "node4")?.problems.contains { $0.message.contains("selected source 127.0.0.2 has not answered") } == true
        }
        var status = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        let deadline = ContinuousClock.now + .seconds(120)
        while !servedOrExplained(status), ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            status = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        }
        let client = try #require(status.nodes.first { $0.name == "node4" })
        let selected = try #require(client.parsed.sources?.selected, "node4 still has a selected source")
        let reasons = status.verdict(of: "node4")?.problems.map(\.message) ?? []
        #expect(["127.0.0.3", "127.0.0.4"].contains(selected.address)
                || reasons.contains { $0.contains("selected source 127.0.0.2 has not answered") }, "\(reasons)")
        #expect(status.verdict(of: "node1")?.problems.contains { $0.message.contains("node1: no chrony tracking report") } == true,
                "status names the server whose chronyd is down")
    }

    @Test func clockSetFromHereFixesATimeServerThatIsOff() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        try LabClock.step(layout, node: "node1", by: 30)
        let off = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        #expect(abs((off.timeServerOffsetFromHere ?? 0) - 30) < 0.5)
        #expect(off.extraFindings.contains { $0.message.contains("clock set --from-here") })
        let refused = try await ClockSet.run(cluster, context: context, target: .absolute(0), force: false)
        #expect(refused.count == 1 && refused.allSatisfy { $0.failed && $0.detail.contains("more than 10 minutes") }, "\(refused)")
        let fixed = try await ClockSet.run(cluster, context: context, target: .here, force: false)
        #expect(fixed.count == 1 && fixed.allSatisfy { !$0.failed }, "\(fixed.map(\.detail))")
        let after = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        // Generous (a loaded machine): the point is that the 30 s error is gone.
        #expect(abs(after.timeServerOffsetFromHere ?? 99) < 0.5, "time server within 0.5 s of this machine after clock set")
    }

    @Test func rollingRestartGoesOneNodeAtATimeAndStopsWhenQuorumDoesNotReturn() async throws {
        let (cluster, context) = try await up(nodes: 3)
        var options = options()
        options.restartClusterServices = true
        options.rolling.quorumWait = .seconds(10)  // generous for the healthy nodes on a loaded machine
        let first = await Apply.run(cluster, context: context, options: options) { _ in }
        let restarts = first.steps.filter { $0.step == "cluster services" }
        #expect(restarts.map { "\($0.node) \($0.outcome)" } == ["node1 changed", "node2 changed", "node3 changed"], "\(restarts)")

        try LabCorosync.breakOnRestart(layout, node: "node2")
        let second = await Apply.run(cluster, context: context, options: options) { _ in }
        let outcomes = second.steps.filter { $0.step == "cluster services" }.map { "\($0.node) \($0.outcome)" }
        #expect(outcomes == ["node1 changed", "node2 failed", "node3 skipped"], "\(outcomes)")
        #expect(second.failed.first?.detail.contains("quorum did not come back") == true)
        #expect(second.exitCode == 2)

        let third = await Apply.run(cluster, context: context, options: options) { _ in }
        #expect(third.failed.first?.detail.contains("not quorate") == true, "a cluster out of quorum is not touched: \(third.failed)")
    }

    @Test func firewallOpenAddsAnNTPRuleToTheProxmoxFirewall() async throws {
        var (cluster, context) = try await up(nodes: 2)
        cluster.options.firewall = .open
        let firewall = layout.root("node1") + "/etc/pve/firewall/cluster.fw"
        try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: firewall))
        try AtomicFile.write(Array(try readText(FixturePath.in("ClockSyncTests", "firewall/cluster-ntp-missing.fw")).utf8), to: firewall)
        let before = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        #expect(before.verdict(of: "node1")?.problems.contains { $0.message == "node1: firewall blocks NTP (UDP 123) on a time server" } == true)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.steps.contains { $0.node == "node1" && $0.step == "firewall" && $0.outcome == "changed" })
        #expect(try readText(firewall).contains("IN ACCEPT -source 127.0.0.0/8 -p udp -dport 123"))
        #expect(FirewallRules.proxmox(try readText(firewall)) == .allowed)
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let again = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(again.steps.contains { $0.step == "firewall" && $0.outcome == "unchanged" })
    }

    @Test func planShowsTheChangesAndStatusJSONFollowsItsSchema() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let before = Plan.build(cluster, from: await Survey.run(cluster, context: context))
        let client = try #require(before.first { $0.node == "node2" })
        #expect(client.chronyDiff.contains("-server 127.0.0.1 port 11199 iburst"), "\(client.chronyDiff)")
        #expect(client.chronyDiff.contains("+server 127.0.0.2 port 11123 iburst prefer"), "\(client.chronyDiff)")
        #expect(client.timezoneChange == "Etc/UTC → Asia/Jakarta")
        #expect(try readText(layout.chronyConf("node2")).contains("127.0.0.1 port 11199"), "plan changes nothing")

        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        let after = Plan.build(cluster, from: await Survey.run(cluster, context: context))
        #expect(after.count == 2 && after.allSatisfy { $0.actions.isEmpty && $0.chronyDiff.isEmpty }, "\(after.map(\.actions))")
        #expect(Plan.render(after).hasSuffix("nothing to change: every reachable node matches the cluster file"))

        // Every key the published schema requires is in `status --json`.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let schema = try JSONValue(parsing: Array(try readText(parts.joined(separator: "/") + "/protocol/schemas/status.schema.json").utf8))
        let json = applied.status.json
        for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] { #expect(json[key] != nil, "missing \(key)") }
        let nodeKeys = schema["properties"]?["nodes"]?["items"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(nodeKeys.count >= 8)
        #expect(json["nodes"]?.arrayValue?.count == 2)
        for node in json["nodes"]?.arrayValue ?? [] {
            for key in nodeKeys { #expect(node[key] != nil, "node misses \(key)") }
        }
        #expect(json["ok"] == .bool(true) && json["verdict"] == .string("ok"))
    }

    @Test func invalidClusterFileStopsBeforeAnyAgentIsContacted() throws {
        try directory.write("cluster.json", #"{"name": "lab", "time_servers": ["node9"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [{"name": "node1", "address": "127.0.0.2"}]}"#)
        let error = #expect(throws: CoordinatorError.self) { try ClusterFileStore.load(directory.file("cluster.json")) }
        #expect(error?.description.contains("time_servers[0]: \"node9\" is not one of the nodes") == true)
    }
}
