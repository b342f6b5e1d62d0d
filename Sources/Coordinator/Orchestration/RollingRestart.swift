import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// `apply --restart-cluster-services`: corosync and pve-cluster restarted one node at a time.
/// With HA, a node out of quorum is fenced by its watchdog after about a minute, so this never
/// touches a second node before the first one is back in a quorate cluster, refuses to start on
/// a cluster that is not quorate, and stops at the first node whose quorum does not come back.
public enum RollingRestart {
    public struct Options: Sendable {
        public var quorumWait: Duration = .seconds(120)
        public var timeout: Duration = .seconds(70)
        public init() {}
    }

    public static func run(_ cluster: ClusterFile, context: TLSContext, options: Options = Options(),
                           progress: @escaping @Sendable (String) -> Void) async -> [Apply.Step] {
        do {
            return try await DedicatedThread.run(name: "rolling-restart") {
                restartAll(cluster, context: context, options: options, progress: progress)
            }
        } catch {
            return [Apply.Step(node: "-", step: .clusterServices, outcome: .failed, detail: "\(error)")]
        }
    }

    /// Before `apply` touches any node: nil when every node with a cluster stack says the cluster
    /// is quorate (or no node has one), else the refusal, naming each node that is not.
    public static func precheck(_ cluster: ClusterFile, context: TLSContext, options: Options = Options()) async -> [Apply.Step]? {
        do {
            return try await DedicatedThread.run(name: "quorum-precheck") {
                let checked = check(cluster, context: context, options: options)
                return checked.refusal
            }
        } catch {
            return [Apply.Step(node: "-", step: .clusterServices, outcome: .failed, detail: "cannot check quorum: \(error)")]
        }
    }

    /// Restart only after a change: a second apply that changed nothing restarts nothing.
    public static func isNeeded(after steps: [Apply.Step]) -> Bool {
        steps.contains { $0.outcome == .changed }
    }

    /// Every node asked in turn; `refusal` names all that are not quorate (or cannot say).
    static func check(_ cluster: ClusterFile, context: TLSContext, options: Options) -> (withStack: Int, refusal: [Apply.Step]?) {
        var withStack = 0
        var problems: [(node: String, why: String)] = []
        for node in cluster.nodes {
            switch quorum(of: node, context: context, timeout: options.timeout) {
            case .absent: continue
            case .quorate: withStack += 1
            case .notQuorate(let why): withStack += 1; problems.append((node.name.description, why))
            }
        }
        guard !problems.isEmpty else { return (withStack, nil) }
        let names = problems.map(\.node).joined(separator: ", ")
        let detail = "refusing to restart anything, no node touched: the cluster is not quorate on \(names) ("
            + problems.map(\.why).joined(separator: "; ") + ")"
        return (withStack, [Apply.Step(node: names, step: .clusterServices, outcome: .failed, detail: detail)])
    }

    static func restartAll(_ cluster: ClusterFile, context: TLSContext, options: Options,
                           progress: @Sendable (String) -> Void) -> [Apply.Step] {
        var steps: [Apply.Step] = []
        // Refuse unless every node with a cluster stack says the cluster is quorate.
        let (withStack, refusal) = check(cluster, context: context, options: options)
        if let refusal { return refusal }
        guard withStack > 0 else {
            return [Apply.Step(node: "-", step: .clusterServices, outcome: .skipped, detail: "no corosync/pvecm on the nodes")]
        }
        for (index, node) in cluster.nodes.enumerated() {
            let name = node.name.description
            progress("\(name): restarting corosync and pve-cluster (\(index + 1) of \(cluster.nodes.count))")
            do {
                let client = try Survey.connect(node, context: context, timeout: .seconds(10))
                defer { client.close() }
                for service in ["corosync", "pve-cluster"] {
                    _ = try client.call(.restartService, params: ServiceParams(service: service), timeout: options.timeout, as: ChangeResult.self)
                }
            } catch {
                steps.append(Apply.Step(node: name, step: .clusterServices, outcome: .failed,
                                        detail: "\(error); the rolling restart stopped at \(name), no later node touched"))
                return steps + skipped(cluster.nodes.dropFirst(index + 1), stoppedAt: name)
            }
            let restarted = ContinuousClock.now
            let deadline = restarted + options.quorumWait
            var back = false
            var last = ""
            while ContinuousClock.now < deadline {
                switch quorum(of: node, context: context, timeout: options.timeout) {
                case .quorate: back = true
                case .notQuorate(let why): last = why
                case .absent: last = "no quorum report"
                }
                if back { break }
                ChildProcess.sleep(.seconds(1))
            }
            guard back else {
                steps.append(Apply.Step(node: name, step: .clusterServices, outcome: .failed,
                                        detail: "quorum did not come back within \(options.quorumWait) (\(last)); stopped here, no other node touched"))
                return steps + skipped(cluster.nodes.dropFirst(index + 1), stoppedAt: name)
            }
            let detail = "corosync and pve-cluster restarted; quorate again after \(Durations.duration((ContinuousClock.now - restarted).seconds))"
            progress("\(name): \(detail)")
            steps.append(Apply.Step(node: name, step: .clusterServices, outcome: .changed, detail: detail))
        }
        return steps
    }

    static func skipped(_ nodes: ArraySlice<ClusterFile.Node>, stoppedAt node: String) -> [Apply.Step] {
        nodes.map { Apply.Step(node: $0.name.description, step: .clusterServices, outcome: .skipped, detail: "not restarted: the rolling restart stopped at \(node)") }
    }

    enum Quorum { case absent, quorate, notQuorate(String) }

    /// `pvecm status` on one node: exit 0 and `Quorate: Yes` when quorate, 2 when not.
    static func quorum(of node: ClusterFile.Node, context: TLSContext, timeout: Duration) -> Quorum {
        do {
            let client = try Survey.connect(node, context: context, timeout: .seconds(10))
            defer { client.close() }
            let output = try client.call(.quorum, params: NoParams(), timeout: timeout, as: CommandOutput.self)
            if output.status == 127 { return .absent }
            guard let status = try? QuorumStatus(output.stdout, printedBy: output.command) else {
                // e.g. corosync stopped: `corosync-quorumtool -s` exits 1, "Cannot initialize QUORUM service".
                let said = (output.stderr + "\n" + output.stdout).split(separator: "\n").map { $0.trimmingWhitespace }.first { !$0.isEmpty }
                return .notQuorate("\(node.name): \(output.command.first ?? "quorum tool") exit \(output.status)\(said.map { ": " + $0 } ?? "")")
            }
            return status.quorate ? .quorate : .notQuorate("\(node.name): \(status.totalVotes) of \(status.expectedVotes) votes")
        } catch {
            return .notQuorate("\(node.name) unreachable: \(error)")
        }
    }
}
