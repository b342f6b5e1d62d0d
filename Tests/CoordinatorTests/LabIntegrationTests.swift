import HostSystem
import ClockSync
import JSONCore
@testable import Coordinator
import NodeAgent
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
    /// This test's turn at the lab's addresses (suites in other targets start labs too).
    var holdsTurn = false

    init() throws {
        directory = try TemporaryDirectory("meridian-lab-test")
        layout = LabLayout(directory: directory.path)
    }

    deinit {
        Lab.down(layout)
        if holdsTurn { LabTurn.shared.release() }
    }

    /// Starts the lab off the cooperative pool (`Lab.start`: it waits for every process).
    func up(nodes: Int, servers: Int = 1, skews: [String: Double] = [:]) async throws -> (ClusterFile, TLSContext) {
        if !holdsTurn {
            await LabTurn.shared.acquire()
            holdsTurn = true
        }
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
        // Time servers first, and only once they serve: the server's chrony step is journaled
        // before any step on a client.
        let entries = try journal.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        let served = try #require(entries.firstIndex { $0["node"] == .string("node1") && $0["step"] == .string("chrony") && $0["outcome"] == .string("changed") })
        let firstClient = try #require(entries.firstIndex { $0["node"] == .string("node2") || $0["node"] == .string("node3") })
        #expect(served < firstClient, "\(journal)")

        let again = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(!again.changedAnything, "\(again.steps.filter { $0.outcome == .changed })")
        #expect(again.failed.isEmpty)
    }

    /// A client told to follow a server nothing answers on selects nothing in time: the agent
    /// puts the previous file back, restarts chrony, and returns the evidence.
    @Test func clientThatSelectsNothingInTimeIsRolledBackWithEvidence() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let node = try #require(cluster.node(named: "node2"))
        let before = try readText(layout.chronyConf("node2"))
        // Lab cluster files have ntp_auth keys: the intent carries node2's key like apply's would.
        var intent = try ChronyIntent(for: "node2", in: cluster, keys: try NTPKeyStore.prepare(for: cluster))
        intent.servers = [ChronyIntent.Source(address: try #require(IPAddress("127.0.0.99")), prefer: true)]
        var caught: (any Error)?
        do {
            _ = try await DedicatedThread.run(name: "test-apply") { [intent] in
                let client = try Survey.connect(node, context: context, timeout: .seconds(10))
                defer { client.close() }
                return try client.call(.applyChrony, params: ChronyApplyParams(intent: intent, waitSeconds: 3),
                                       timeout: .seconds(60), as: ChronyApplyResult.self)
            }
        } catch {
            caught = error
        }
        guard let failure = caught as? AgentCallError else {
            Issue.record("a client that selects nothing was reported applied, or failed otherwise: \(String(describing: caught))")
            return
        }
        #expect(failure.error.code == RPCError.actionFailed)
        let evidence = try RPCCodec.decode(ActionFailure.self, from: failure.error.data)
        #expect(evidence.rolledBack)
        #expect(evidence.stage == "wait for chrony to select a time server")
        // The last chronyc look is in the evidence: the sources chrony had, none selected.
        #expect(evidence.evidence.contains { $0.command.contains("sources") && $0.stdout.contains("127.0.0.99") }, "\(evidence.evidence)")
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
        #expect(first.steps.contains { $0.node == "node2" && $0.step == .chrony && $0.outcome == .changed })
        let layout = layout
        try await DedicatedThread.run(name: "restart-agent") { try Lab.restartAgent(layout, node: "node3", agentBinary: AgentProcess.agentBinary) }
        let second = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(second.failed.isEmpty, "\(second.failed)")
        #expect(second.status.severity == .ok, "\(StatusTable.render(second.status))")
    }

    /// When no time server serves, every client is skipped and its chrony.conf left as it was.
    @Test func clientsAreSkippedWhenNoTimeServerServes() async throws {
        let (cluster, context) = try await up(nodes: 3)
        let state = try #require(LabState.load(layout))
        LabProcesses.stop(try #require(state.agents["node1"]))
        let clients = ["node2", "node3"]
        let before = try clients.map { try readText(layout.chronyConf($0)) }
        let applied = await Apply.run(cluster, context: context, options: { var o = options(); o.settleSeconds = 0; return o }()) { _ in }
        #expect(applied.failed.map(\.node) == ["node1"] && applied.failed.first?.step == .connect, "\(applied.failed)")
        for name in clients {
            let steps = applied.steps.filter { $0.node == name }.map { "\($0.step) \($0.outcome)" }
            #expect(steps == ["chrony skipped"], "\(name): \(steps)")
        }
        #expect(try clients.map { try readText(layout.chronyConf($0)) } == before, "clients untouched")
        #expect(applied.exitCode == 2)
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
        #expect(status.verdict(of: "node1")?.problems.map(\.message) == ["node1: chronyd is not running (chronyc: Could not open connection to daemon)"],
                "status names the server whose chronyd is down, and why")
        #expect(status.verdict(of: "node1")?.severity == .critical)
        // The agent answered, and two servers still serve: degraded, not unknown.
        #expect(status.severity == .warning, "\(StatusTable.render(status))")
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
        let restarts = first.steps.filter { $0.step == .clusterServices }
        #expect(restarts.map { "\($0.node) \($0.outcome)" } == ["node1 changed", "node2 changed", "node3 changed"], "\(restarts)")

        // Nothing changed: nothing is restarted.
        let idle = await Apply.run(cluster, context: context, options: options) { _ in }
        #expect(idle.steps.filter { $0.step == .clusterServices }.map { "\($0.node) \($0.outcome)" } == ["- unchanged"], "\(idle.steps)")

        // A hand edit on node1 is a change again: the rolling restart runs and stops at node2.
        let conf = layout.chronyConf("node1")
        try AtomicFile.write(Array((try readText(conf) + "# edited by hand\n").utf8), to: conf)
        try LabCorosync.breakOnRestart(layout, node: "node2")
        let second = await Apply.run(cluster, context: context, options: options) { _ in }
        let outcomes = second.steps.filter { $0.step == .clusterServices }.map { "\($0.node) \($0.outcome)" }
        #expect(outcomes == ["node1 changed", "node2 failed", "node3 skipped"], "\(outcomes)")
        #expect(second.failed.first?.detail.contains("quorum did not come back") == true)
        #expect(second.exitCode == 2)

        let third = await Apply.run(cluster, context: context, options: options) { _ in }
        #expect(third.failed.first?.detail.contains("not quorate") == true, "a cluster out of quorum is not touched: \(third.failed)")
        #expect(third.steps.allSatisfy { $0.step == .clusterServices }, "refused before any node was touched: \(third.steps)")
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
        #expect(applied.steps.contains { $0.node == "node1" && $0.step == .firewall && $0.outcome == .changed })
        #expect(try readText(firewall).contains("IN ACCEPT -source 127.0.0.0/8 -p udp -dport 123"))
        #expect(FirewallRules.proxmox(try readText(firewall)) == .allowed)
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let again = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(again.steps.contains { $0.step == .firewall && $0.outcome == .unchanged })
    }

    @Test func planShowsTheChangesAndStatusJSONFollowsItsSchema() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let before = Plan.build(cluster, from: await Plan.survey(cluster, context: context))
        let client = try #require(before.first { $0.node == "node2" })
        #expect(client.chronyDiff.contains("-server 127.0.0.1 port 11199 iburst"), "\(client.chronyDiff)")
        #expect(client.chronyDiff.contains("+server 127.0.0.2 port 11123 iburst prefer"), "\(client.chronyDiff)")
        #expect(client.timezoneChange == "Etc/UTC → Asia/Jakarta")
        #expect(try readText(layout.chronyConf("node2")).contains("127.0.0.1 port 11199"), "plan changes nothing")

        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        let after = Plan.build(cluster, from: await Plan.survey(cluster, context: context))
        // Nothing to change must mean every node answered and matches, not that none answered.
        #expect(after.count == 2 && after.allSatisfy { $0.reachable && $0.error == nil }, "\(after.map { $0.error ?? "ok" })")
        #expect(after.allSatisfy { $0.actions.isEmpty && $0.chronyDiff.isEmpty }, "\(after.map(\.actions))")
        #expect(Plan.render(after).hasSuffix("nothing to change: every node matches the cluster file"))

        // `plan --json` and `status --json` against the published schemas, by a real JSON Schema
        // validator (python3 jsonschema); every node is listed.
        #expect(try await JSONSchemaCheck.problems(JSONText.encode(before), against: "plan.schema.json") == [])
        let json = applied.status.json
        #expect(json["nodes"]?.arrayValue?.map { $0["name"] } == [.string("node1"), .string("node2")])
        #expect(try await JSONSchemaCheck.problems(json.prettyText, against: "status.schema.json") == [])
        #expect(json["ok"] == .bool(true) && json["verdict"] == .string("ok"))
    }

    /// `meridian status` as monitoring runs it: the real binary's exit code is 0, 1, 2 or 3 for
    /// ok, warning, critical and unknown, and its `--json` (like ping's, plan's and clock set's)
    /// passes the published schema in every state.
    @Test func statusExitCodesAndJSONFromTheRealBinary() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let clusterFile = layout.clusterFile
        func status() async throws -> (Int32, JSONValue) {
            let result = try await CLIProcess.run(["status", "--json", "--cluster", clusterFile])
            #expect(try await JSONSchemaCheck.problems(result.stdout, against: "status.schema.json") == [], "\(result.stdout)")
            let json = try JSONValue(parsing: result.standardOutput)
            #expect(json["nodes"]?.arrayValue?.count == 2, "\(result.stdout)")
            return (result.status, json)
        }
        func schemaProblems(_ result: CommandResult, _ schema: String) async throws -> [String] {
            try await JSONSchemaCheck.problems(result.stdout, against: schema)
        }

        let (fresh, freshJSON) = try await status()
        #expect(fresh == 2 && freshJSON["verdict"] == .string("critical"), "a fresh lab's client follows no time server")
        let plan = try await CLIProcess.run(["plan", "--json", "--cluster", clusterFile])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(try await schemaProblems(plan, "plan.schema.json") == [])

        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let (ok, okJSON) = try await status()
        #expect(ok == 0 && okJSON["ok"] == .bool(true), "\(okJSON.prettyText)")

        try AtomicFile.write(Array("Etc/UTC\n".utf8), to: layout.root("node2") + "/etc/timezone")
        let (warning, warningJSON) = try await status()
        #expect(warning == 1 && warningJSON["verdict"] == .string("warning"), "node2's zone differs: \(warningJSON.prettyText)")

        let ping = try await CLIProcess.run(["ping", "--json", "--certs", cluster.certificateDirectory, "127.0.0.2", "127.0.0.1:1"])
        #expect(ping.status == 2, "one target does not answer: \(ping.stderr)")
        #expect(try await schemaProblems(ping, "ping-report.schema.json") == [])
        let set = try await CLIProcess.run(["clock", "set", "--from-here", "--json", "--cluster", clusterFile])
        #expect(set.status == 0, "\(set.stdout) \(set.stderr)")
        #expect(try await schemaProblems(set, "clock-set.schema.json") == [])

        let agent = try #require(LabState.load(layout)?.agents["node2"])
        try await DedicatedThread.run(name: "stop-agent") { LabProcesses.stop(agent) }
        let (unknown, unknownJSON) = try await status()
        #expect(unknown == 3 && unknownJSON["verdict"] == .string("unknown"), "node2's agent is gone: \(unknownJSON.prettyText)")
    }

    /// An agent listens where the cluster file says node1 is; `meridian plan` with an invalid
    /// file exits before contacting it, and the same command with the file fixed does contact
    /// it (the control that makes the first half able to fail). Contact is seen by node.facts
    /// running the agent's hostname command, a script that leaves a mark.
    @Test func invalidClusterFileStopsBeforeAnyAgentIsContacted() async throws {
        let pki = try TestPKI(clusterName: "lab")
        try pki.issueAgent("node1", address: "127.0.0.2")
        let mark = directory.file("contacted")
        try directory.write("hostname.sh", "#!/bin/sh\necho contacted >> '\(mark)'\necho node1\n")
        try AtomicFile.setPermissions(directory.file("hostname.sh"), 0o755)
        var config = AgentConfiguration(node: "node1", listen: "127.0.0.2:7480", caPath: pki.ca,
                                        certificatePath: pki.path + "/node1.pem", keyPath: pki.path + "/node1.key")
        config.root = directory.file("root")
        config.commands.hostname = [directory.file("hostname.sh")]
        let agent = try AgentServer(configuration: config)
        try agent.start()
        defer { agent.stop() }

        func plan(_ timeServer: String) async throws -> CommandResult {
            try directory.write("cluster.json", #"{"name": "lab", "time_servers": ["\#(timeServer)"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "certs_dir": "\#(pki.path)", "nodes": [{"name": "node1", "address": "127.0.0.2"}]}"#)
            let argv = [AgentProcess.buildDirectory + "/meridian", "plan", "--cluster", directory.file("cluster.json")]
            return try await DedicatedThread.run(name: "meridian-plan") { try ChildProcess.run(argv, timeout: .seconds(60)) }
        }
        let refused = try await plan("node9")
        #expect(refused.status == 3, "exit 3 (unknown) for an invalid file: \(refused.stderr)")
        #expect(refused.stderr.contains("time_servers[0]: \"node9\" is not one of the nodes"), "\(refused.stderr)")
        #expect(!AtomicFile.exists(mark), "the agent was contacted")

        let planned = try await plan("node1")
        #expect(AtomicFile.exists(mark), "control: a valid file does reach the agent (\(planned.status): \(planned.stderr))")
    }
}
