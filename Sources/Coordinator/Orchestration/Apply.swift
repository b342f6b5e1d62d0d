import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// `meridian apply`: time servers first, and only once they serve; then all clients at once
/// (bounded), each waiting until it selected a time server; timezone everywhere; RTC on the time
/// servers. Unreachable or failing nodes are named and the others carry on.
public enum Apply {
    public struct Options: Sendable {
        public var concurrency = 256
        public var timeout: Duration = .seconds(10)
        public var syncWaitSeconds = 30.0
        /// How long to wait, after the changes, for every node's verdict to settle.
        public var settleSeconds = 30.0
        public var journalPath: String
        /// Restart corosync and pve-cluster one node at a time after the changes.
        public var restartClusterServices = false
        public var rolling = RollingRestart.Options()
        /// Which key generation clients get (`meridian keys rotate` switches them to `.next`).
        public var clientKeys = ClusterKeys.ClientStage.current
        public init(journalPath: String) { self.journalPath = journalPath }
    }

    public struct Step: Sendable, Equatable {
        /// What was done on the node, in the order `configure` does it.
        public enum Name: String, Sendable, CaseIterable, CustomStringConvertible {
            case connect
            case otherTimeDaemons = "other time daemons"
            case chrony, timezone, firewall, rtc
            case clusterServices = "cluster services"
            public var description: String { rawValue }
        }

        public enum Outcome: String, Sendable, CaseIterable, CustomStringConvertible {
            case changed, unchanged, failed, skipped
            public var description: String { rawValue }
        }

        public var node: String
        public var step: Name
        public var outcome: Outcome
        public var detail: String

        public init(node: String, step: Name, outcome: Outcome, detail: String) {
            self.node = node; self.step = step; self.outcome = outcome; self.detail = detail
        }
    }

    public struct Report: Sendable {
        public var steps: [Step]
        public var status: StatusReport
        public var failed: [Step] { steps.filter { $0.outcome == .failed } }
        public var changedAnything: Bool { steps.contains { $0.outcome == .changed } }
        /// 2 when a node failed; otherwise the verdict's exit code.
        public var exitCode: Int32 { failed.isEmpty ? Int32(status.severity.rawValue) : 2 }
    }

    public static func run(_ cluster: ClusterFile, context: TLSContext, options: Options,
                           progress: @escaping @Sendable (String) -> Void) async -> Report {
        let journal = ApplyJournal(path: options.journalPath)
        journal.record(node: "-", step: "apply", outcome: "started", detail: "cluster \(cluster.name), \(cluster.nodes.count) nodes")
        // ntp_auth keys: made on first use and kept on the coordinator (Keys/NTPKeyStore); only
        // their ids and counts reach the journal and the progress lines.
        let keys: ClusterKeys?
        do { keys = try NTPKeyStore.prepare(for: cluster) } catch {
            progress("NTP keys: \(error)")
            let steps = cluster.nodes.map { Step(node: $0.name.description, step: .chrony, outcome: .failed, detail: "NTP keys: \(error)") }
            for step in steps { journal.record(node: step.node, step: step.step.rawValue, outcome: step.outcome.rawValue, detail: step.detail) }
            return Report(steps: steps, status: await settle(cluster, context: context, options: { var o = options; o.settleSeconds = 0; return o }()))
        }
        if let keys {
            progress("NTP keys: \(keys.current.clients.count) client keys, 1 peer key (\(ChronyKeyFile.describe(ids: keys.current.all.map(\.id))))\(keys.next == nil ? "" : ", a rotation under way")")
        } else if AtomicFile.exists(NTPKeyStore.path(for: cluster)) {
            progress("NTP keys: ntp_auth is off; the nodes' keyfiles are removed")
        }
        let report = await run(cluster, keys: keys, context: context, options: options, journal: journal, progress: progress)
        // Authentication off and every node done: the coordinator's copy of the keys goes too.
        if keys == nil && report.failed.isEmpty && AtomicFile.exists(NTPKeyStore.path(for: cluster)) {
            NTPKeyStore.remove(for: cluster)
            progress("NTP keys: removed the coordinator's key store")
        }
        return report
    }

    static func run(_ cluster: ClusterFile, keys: ClusterKeys?, context: TLSContext, options: Options, journal: ApplyJournal,
                    progress: @escaping @Sendable (String) -> Void) async -> Report {
        let restartClusterServices = options.restartClusterServices || cluster.options.restartClusterServices == .rolling
        if restartClusterServices, let refusal = await RollingRestart.precheck(cluster, context: context, options: options.rolling) {
            for step in refusal { journal.record(node: step.node, step: step.step.rawValue, outcome: step.outcome.rawValue, detail: step.detail) }
            progress("cluster services: \(refusal.map(\.detail).joined(separator: "; "))")
            return Report(steps: refusal, status: await settle(cluster, context: context, options: { var o = options; o.settleSeconds = 0; return o }()))
        }
        let servers = cluster.nodes.filter { cluster.isTimeServer($0.name.description) }
        let clients = cluster.nodes.filter { !cluster.isTimeServer($0.name.description) }
        progress("time servers: \(servers.map(\.name.description).joined(separator: ", "))")
        let serverSteps = await FanOut.map(servers, concurrency: options.concurrency) { node in
            configure(node, in: cluster, keys: keys, context: context, options: options, journal: journal, progress: progress)
        }.flatMap { $0 }
        var steps = serverSteps
        let serving = servers.filter { node in !serverSteps.contains { $0.node == node.name.description && $0.outcome == .failed } }
        if serving.isEmpty {
            progress("no time server serves; clients left unchanged")
            steps += clients.map { Step(node: $0.name.description, step: .chrony, outcome: .skipped, detail: "no time server serves") }
            for step in steps where step.outcome == .skipped { journal.record(node: step.node, step: step.step.rawValue, outcome: step.outcome.rawValue, detail: step.detail) }
        } else {
            if !clients.isEmpty { progress("clients: \(clients.count) at once (at most \(options.concurrency) in parallel)") }
            steps += await FanOut.map(clients, concurrency: options.concurrency) { node in
                configure(node, in: cluster, keys: keys, context: context, options: options, journal: journal, progress: progress)
            }.flatMap { $0 }
        }
        if restartClusterServices {
            if steps.contains(where: { $0.outcome == .failed }) {
                progress("cluster services: not restarted, a node failed above")
                steps.append(Step(node: "-", step: .clusterServices, outcome: .skipped, detail: "a node failed above"))
            } else if !RollingRestart.isNeeded(after: steps) {
                progress("cluster services: nothing changed on any node, so nothing restarted")
                steps.append(Step(node: "-", step: .clusterServices, outcome: .unchanged, detail: "nothing changed on any node; corosync and pve-cluster not restarted"))
            } else {
                let rolling = await RollingRestart.run(cluster, context: context, options: options.rolling, progress: progress)
                for step in rolling { journal.record(node: step.node, step: step.step.rawValue, outcome: step.outcome.rawValue, detail: step.detail) }
                steps += rolling
            }
        }
        progress("verifying")
        // After a failure there is nothing to wait for: report the state as it is.
        var settleOptions = options
        if steps.contains(where: { $0.outcome == .failed }) { settleOptions.settleSeconds = 0 }
        let status = await settle(cluster, context: context, options: settleOptions)
        journal.record(node: "-", step: "apply", outcome: steps.contains { $0.outcome == .failed } ? "failed" : "finished",
                       detail: "verdict \(status.severity)")
        return Report(steps: steps, status: status)
    }

    /// Everything one node needs, in order; stops at the first failure on that node.
    static func configure(_ node: ClusterFile.Node, in cluster: ClusterFile, keys: ClusterKeys? = nil, context: TLSContext, options: Options,
                          journal: ApplyJournal, progress: @Sendable (String) -> Void) -> [Step] {
        let name = node.name.description
        let isServer = cluster.isTimeServer(name)
        var steps: [Step] = []
        func record(_ step: Step.Name, _ outcome: Step.Outcome, _ detail: String) {
            steps.append(Step(node: name, step: step, outcome: outcome, detail: detail))
            journal.record(node: name, step: step.rawValue, outcome: outcome.rawValue, detail: detail)
            if outcome != .unchanged { progress("\(name): \(step): \(outcome)\(detail.isEmpty ? "" : " — \(detail)")") }
        }
        func changed(_ flag: Bool) -> Step.Outcome { flag ? .changed : .unchanged }
        let client: AgentClient
        do { client = try Survey.connect(node, context: context, timeout: options.timeout) } catch {
            record(.connect, .failed, "\(error)")
            return steps
        }
        defer { client.close() }
        /// The step under way, so a failure is recorded against the step that threw.
        var current = Step.Name.otherTimeDaemons
        do {
            let others = try client.call(.disableTimeDaemons, params: NoParams(), timeout: options.timeout, as: ChangeResult.self)
            record(current, changed(others.changed), others.detail)
            current = .chrony
            let params = ChronyApplyParams(intent: try ChronyIntent(for: name, in: cluster, keys: keys, stage: options.clientKeys),
                                           waitSeconds: options.syncWaitSeconds)
            let applied = try client.call(.applyChrony, params: params, timeout: .seconds(options.syncWaitSeconds * 2 + 60),
                                          as: ChronyApplyResult.self)
            record(current, changed(applied.changed),
                   applied.changed ? "chrony.conf written, chrony restarted, \(applied.selected.map { "source \($0)" } ?? "") after \(Durations.duration(applied.waitedSeconds))" : "chrony.conf already as planned")
            current = .timezone
            let zone = try client.call(.setTimezone, params: TimezoneParams(timezone: cluster.timezone.description),
                                       timeout: options.timeout, as: ChangeResult.self)
            record(current, changed(zone.changed), zone.detail)
            if isServer && cluster.options.firewall == .open {
                current = .firewall
                let opened = try client.call(.openNTP, params: OpenNTPParams(subnets: cluster.subnets.map(\.description)),
                                             timeout: options.timeout, as: ChangeResult.self)
                record(current, changed(opened.changed), opened.detail)
            }
            if isServer && cluster.options.rtcSync && applied.changed {
                current = .rtc
                let rtc = try client.call(.syncRTC, params: NoParams(), timeout: options.timeout, as: ChangeResult.self)
                record(current, changed(rtc.changed), rtc.detail)
            }
        } catch {
            record(current, .failed, describe(error))
        }
        return steps
    }

    /// An agent's action failure carries its evidence; show the first lines of it.
    static func describe(_ error: any Error) -> String {
        guard let failure = error as? AgentCallError else { return "\(error)" }
        var text = failure.error.message
        if let data = failure.error.data, let evidence = try? RPCCodec.decode(ActionFailure.self, from: data) {
            for output in evidence.evidence where !output.succeeded || !output.stdout.isEmpty {
                let tail = (output.stderr.isEmpty ? output.stdout : output.stderr).split(separator: "\n").suffix(2).joined(separator: " | ")
                text += "; `\(output.command.joined(separator: " "))` exit \(output.status): \(tail)"
            }
        }
        return text
    }

    /// Polls the cluster until every node is ok or the settle time is over (a node's clock and
    /// chrony's view of it take a few updates to converge after a step).
    static func settle(_ cluster: ClusterFile, context: TLSContext, options: Options) async -> StatusReport {
        let deadline = ContinuousClock.now + .seconds(options.settleSeconds)
        var status = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        while status.severity != .ok && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(500))
            status = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        }
        return status
    }
}
