import HostSystem
import ClockSync
import JSONCore
@testable import Coordinator
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// `ntp_auth: keys` on the lab (issue 12): real chronyd (-x) authenticating with the keys
/// Meridian made. In the serialized LabIntegrationTests suite: every lab uses the same addresses.
extension LabIntegrationTests {
    func status(_ cluster: ClusterFile, _ context: TLSContext) async -> StatusReport {
        StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
    }

    func keyedSource(_ report: NodeReport) -> ChronyAuthData.Source? {
        report.parsed.sources?.selected.flatMap { report.parsed.authData?.source($0.address) }
    }

    /// Apply makes the keys (0600 on the coordinator), every client's selected source is then
    /// authenticated with its own key, and a rogue server listed beside the real one is never
    /// selected although its stratum is better.
    @Test func keysAreMadeSentAndUsedAndARogueServerIsNeverSelected() async throws {
        let (cluster, context) = try await up(nodes: 3)
        #expect(cluster.ntpAuth == .keys, "lab cluster files get ntp_auth keys")
        // The plan names the keys by ids and counts, never by material, and saves none.
        let plan = Plan.build(cluster, from: await Plan.survey(cluster, context: context))
        #expect(plan.first { $0.node == "node1" }?.keysChange == "2 client keys, 1 peer key (ids 1-3), new", "\(plan.map(\.keysChange))")
        #expect(plan.first { $0.node == "node2" }?.actions.contains { $0.hasPrefix("write chrony.keys, mode 0640 group _chrony") } == true)
        #expect(!AtomicFile.exists(NTPKeyStore.path(for: cluster)), "plan saved no keys")
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.failed.isEmpty, "\(applied.failed)")
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let store = NTPKeyStore.path(for: cluster)
        #expect(FileOwnership.groupAndMode(store)?.mode == 0o600)
        let keys = try #require(try NTPKeyStore.load(store))
        // No key material outside the keyfiles and the store: chrony.conf, agent logs, journal.
        let secrets = keys.allKeys.map(\.hex)
        var elsewhere = [try readText(layout.journal)]
        for node in cluster.nodes.map(\.name.description) {
            elsewhere += [try readText(layout.chronyConf(node)), try readText(layout.agentLog(node))]
        }
        #expect(!secrets.contains { secret in elsewhere.contains { $0.contains(secret) } }, "a key leaked into a conf, log or journal")
        #expect(secrets.allSatisfy { (try? readText(store))?.contains($0) == true }, "control: the store holds them")
        for node in applied.status.nodes where !node.isTimeServer {
            let source = try #require(keyedSource(node), "\(node.name) has an authenticated selected source")
            #expect(source.mode == .symmetricKey && source.keyID == keys.current.clients[node.name]?.id, "\(node.name): \(source)")
            #expect(node.parsed.sources?.selected?.address == "127.0.0.2")
            #expect(FileOwnership.groupAndMode(layout.root(node.name) + ChronyKeyFile.path)?.mode == 0o640)
            // A client holds its own key only.
            #expect(ChronyKeyFile.ids(in: try readText(layout.root(node.name) + ChronyKeyFile.path)) == [source.keyID])
        }
        let json = applied.status.json
        #expect(json["ntp_auth"] == .string("keys"))
        #expect(json["nodes"]?.arrayValue?.filter { $0["role"] == .string("client") }.allSatisfy { $0["authenticated"] == .bool(true) } == true, "\(json.prettyText)")

        // The rogue: stratum 1, 3 s fast, no key, listed on node3 as an extra source.
        let layout = layout
        try await DedicatedThread.run(name: "rogue") {
            try LabRogue.start(layout, address: "127.0.0.9", meridianBinary: AgentProcess.buildDirectory + "/meridian")
        }
        defer { LabRogue.stop(layout) }
        let node3 = try #require(cluster.node(named: "node3"))
        var intent = try ChronyIntent(for: "node3", in: cluster, keys: keys)
        intent.servers.append(ChronyIntent.Source(address: try #require(IPAddress("127.0.0.9"))))
        _ = try await DedicatedThread.run(name: "rogue-intent") { [intent] in
            let client = try Survey.connect(node3, context: context, timeout: .seconds(10))
            defer { client.close() }
            return try client.call(.applyChrony, params: ChronyApplyParams(intent: intent, waitSeconds: 20), timeout: .seconds(60), as: ChronyApplyResult.self)
        }
        var heardRogue = false
        for _ in 0..<16 {
            let now = await status(cluster, context)
            let report = try #require(now.nodes.first { $0.name == "node3" })
            let rogue = report.parsed.sources?.sources.first { $0.address == "127.0.0.9" }
            heardRogue = heardRogue || rogue?.neverHeard == false
            #expect(rogue?.state != .selected, "the rogue was selected: \(String(describing: report.parsed.sources))")
            #expect(report.parsed.sources?.selected?.address == "127.0.0.2", "\(String(describing: report.parsed.sources))")
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(heardRogue, "control: the rogue answers node3 (it would be chosen on stratum alone)")
    }

    /// A client whose key does not match the server's syncs to nothing, and status says why.
    @Test func aWrongKeyOnAClientIsNamedAsAnAuthenticationFailure() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let path = layout.root("node2") + ChronyKeyFile.path
        let id = try #require(ChronyKeyFile.ids(in: try readText(path)).first)
        let wrong = NTPKey(id: id, kind: .aes128, material: Array(repeating: 0x42, count: 16))
        try AtomicFile.write(Array(ChronyKeyFile.render([wrong], cluster: "lab").utf8), to: path, mode: 0o640)
        let layout = layout
        try await DedicatedThread.run(name: "restart-node2") {
            try LabProcesses.restartChronyd(layout, node: "node2", timestampShim: LabLayout.timestampShim(besideExecutable: AgentProcess.buildDirectory + "/meridian"))
        }
        var report = await status(cluster, context)
        let deadline = ContinuousClock.now + .seconds(30)
        func named(_ report: StatusReport) -> Bool {
            report.verdict(of: "node2")?.problems.contains { $0.message.contains("authentication with node1 fails") } == true
        }
        while !named(report), ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            report = await status(cluster, context)
        }
        let node2 = try #require(report.nodes.first { $0.name == "node2" })
        #expect(!report.isSynced(node2))
        let reasons = report.json["nodes"]?.arrayValue?.first { $0["name"] == .string("node2") }?["reasons"]
        #expect(reasons?.arrayValue?.contains { $0.stringValue?.contains("authentication") == true } == true, "\(String(describing: reasons))")
        #expect(report.severity == .critical)
    }

    /// `keys rotate` with status polled all along: no client ever loses its selected time
    /// server; afterwards every key id is new and the old ones are gone from every node.
    @Test func rotationKeepsEveryNodeSyncedThenAuthOffCleansUp() async throws {
        let (cluster, context) = try await up(nodes: 4, servers: 2)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(applied.status.severity == .ok, "\(StatusTable.render(applied.status))")
        let store = NTPKeyStore.path(for: cluster)
        let before = try #require(try NTPKeyStore.load(store))

        let poller = Task { () -> [String] in
            var lost: [String] = []
            var polls = 0
            while !Task.isCancelled || polls == 0 {
                let now = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
                polls += 1
                for node in now.nodes where !now.isSynced(node) { lost.append("poll \(polls): \(node.name) \(now.verdict(of: node.name)?.problems.map(\.message) ?? [])") }
                try? await Task.sleep(for: .milliseconds(300))
            }
            return lost + ["polls: \(polls)"]
        }
        let rotated = try await KeyRotation.run(cluster, context: context, options: options()) { _ in }
        poller.cancel()
        let lost = await poller.value
        #expect(rotated.failed.isEmpty, "\(rotated.failed)")
        #expect(lost.count == 1 && (Int(lost.last?.split(separator: " ").last ?? "") ?? 0) >= 3, "\(lost)")
        #expect(rotated.status?.severity == .ok, "\(rotated.status.map(StatusTable.render) ?? "")")
        let after = try #require(try NTPKeyStore.load(store))
        #expect(after.next == nil)
        #expect(Set(after.current.all.map(\.id)).isDisjoint(with: before.current.all.map(\.id)), "every id is new")
        for node in cluster.nodes {
            let ids = ChronyKeyFile.ids(in: try readText(layout.root(node.name.description) + ChronyKeyFile.path))
            #expect(Set(ids).isDisjoint(with: before.current.all.map(\.id)), "\(node.name): old keys removed: \(ids)")
        }
        for node in rotated.status?.nodes ?? [] where !node.isTimeServer {
            #expect(keyedSource(node)?.keyID == after.current.clients[node.name]?.id, "\(node.name) uses its new key")
        }

        var off = cluster
        off.ntpAuth = .off
        let plain = await Apply.run(off, context: context, options: options()) { _ in }
        #expect(plain.failed.isEmpty, "\(plain.failed)")
        #expect(plain.status.severity == .ok, "\(StatusTable.render(plain.status))")
        for node in cluster.nodes {
            let root = layout.root(node.name.description)
            #expect(!AtomicFile.exists(root + ChronyKeyFile.path), "\(node.name): keyfile removed")
            #expect(!AtomicFile.exists(root + ChronyBackups.directory + "/" + ChronyKeyFile.backupName), "\(node.name): no key backup left")
            let conf = try readText(layout.chronyConf(node.name.description))
            #expect(!conf.contains("keyfile") && !conf.contains(" key "), "\(node.name): \(conf)")
        }
        #expect(!AtomicFile.exists(store), "the coordinator's key store is removed")
    }
}
