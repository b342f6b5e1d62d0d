import ClockSync
import SecureTransport
import WireProtocol

/// `meridian keys rotate`: replaces every NTP key without a moment unsynced.
///
/// 1. New keys beside the old ones in the coordinator's store (saved first: an interrupted
///    rotation resumes with the same keys).
/// 2. Every time server gets old and new client keys (`chronyc rekey`, no restart): it answers
///    clients on either.
/// 3. Each client switches to its new key (restart, wait until it selected a time server).
/// 4. The new keys become the only ones; the time servers drop the old keys and key their
///    peers with the new peer key.
/// A node that fails stops the rotation before the old keys are removed, so every client still
/// has a key its servers accept; `keys rotate` again resumes.
public enum KeyRotation {
    public struct Report: Sendable {
        public var steps: [Apply.Step]
        public var status: StatusReport?
        public var failed: [Apply.Step] { steps.filter { $0.outcome == .failed } }
        public var exitCode: Int32 { failed.isEmpty ? Int32(status?.severity.rawValue ?? 3) : 2 }
    }

    public static func run(_ cluster: ClusterFile, context: TLSContext, options: Apply.Options,
                           progress: @escaping @Sendable (String) -> Void) async throws(CoordinatorError) -> Report {
        guard cluster.ntpAuth == .keys else {
            throw CoordinatorError(.notAllowed, "ntp_auth is off in the cluster file: there are no NTP keys to rotate")
        }
        let path = NTPKeyStore.path(for: cluster)
        guard var keys = try NTPKeyStore.prepare(for: cluster) else { throw CoordinatorError(.notAllowed, "ntp_auth is off") }
        let resuming = keys.next != nil
        do { try keys.beginRotation(for: cluster, random: NTPKeyStore.random) } catch {
            throw CoordinatorError(.certificates, "cannot make new NTP keys: \(error)")
        }
        try NTPKeyStore.save(keys, to: path)
        let journal = ApplyJournal(path: options.journalPath)
        let newIDs = ChronyKeyFile.describe(ids: keys.next?.all.map(\.id) ?? [])
        journal.record(node: "-", step: "keys rotate", outcome: "started", detail: "\(resuming ? "resuming with" : "new") \(newIDs)")
        progress("\(resuming ? "resuming the rotation to" : "new keys:") \(newIDs) (old: \(ChronyKeyFile.describe(ids: keys.current.all.map(\.id))))")

        let servers = cluster.timeServerNodes, clients = cluster.clientNodes
        progress("time servers: old and new client keys")
        var steps = await push(servers, cluster, keys, stage: .current, context, options, journal, progress)
        if steps.contains(where: { $0.outcome == .failed }) { return Report(steps: steps, status: nil) }
        progress("clients: switching to their new keys")
        steps += await push(clients, cluster, keys, stage: .next, context, options, journal, progress)
        if steps.contains(where: { $0.outcome == .failed }) {
            progress("a client failed: the old keys stay valid on the time servers; run `meridian keys rotate` again")
            return Report(steps: steps, status: nil)
        }
        keys.finishRotation()
        try NTPKeyStore.save(keys, to: path)
        progress("time servers: old keys removed, peers keyed with the new peer key")
        steps += await push(servers, cluster, keys, stage: .current, context, options, journal, progress)
        let status = await Apply.settle(cluster, context: context, options: options)
        journal.record(node: "-", step: "keys rotate", outcome: steps.contains { $0.outcome == .failed } ? "failed" : "finished",
                       detail: "\(newIDs), verdict \(status.severity)")
        return Report(steps: steps, status: status)
    }

    /// Sends each node its intent with `keys` (clients at `stage`), in parallel.
    static func push(_ nodes: [ClusterFile.Node], _ cluster: ClusterFile, _ keys: ClusterKeys, stage: ClusterKeys.ClientStage,
                     _ context: TLSContext, _ options: Apply.Options, _ journal: ApplyJournal,
                     _ progress: @escaping @Sendable (String) -> Void) async -> [Apply.Step] {
        await FanOut.map(nodes, concurrency: options.concurrency) { node in
            let name = node.name.description
            let step: Apply.Step
            do {
                let intent = try ChronyIntent(for: name, in: cluster, keys: keys, stage: stage)
                let client = try Survey.connect(node, context: context, timeout: options.timeout)
                defer { client.close() }
                let applied = try client.call(.applyChrony, params: ChronyApplyParams(intent: intent, waitSeconds: options.syncWaitSeconds),
                                              timeout: .seconds(options.syncWaitSeconds * 2 + 60), as: ChronyApplyResult.self)
                let ids = ChronyKeyFile.describe(ids: intent.keys.map(\.id))
                step = Apply.Step(node: name, step: .chrony, outcome: applied.changed ? .changed : .unchanged,
                                  detail: "keys \(ids)\(applied.selected.map { ", source \($0)" } ?? "")")
            } catch {
                step = Apply.Step(node: name, step: .chrony, outcome: .failed, detail: Apply.describe(error))
            }
            journal.record(node: name, step: "keys", outcome: step.outcome.rawValue, detail: step.detail)
            progress("\(name): \(step.outcome) — \(step.detail)")
            return step
        }
    }
}
