import HostSystem
import ClockSync

extension ContainerLab {
    /// What `lab down` did, and how far the host clock moved while the lab ran.
    public struct DownReport: Sendable {
        public var removed: [String] = []
        /// (CLOCK_REALTIME − CLOCK_BOOTTIME) at down minus the same at up.
        public var hostClockMoved: Double?
    }

    /// The largest host-clock movement `down` accepts (the lab must never move the host's clock).
    public static let hostClockTolerance = 1.0

    /// Stops every container, removes namespaces, bridge, overlays and leftover cgroups; then
    /// fails if the host clock jumped while the lab ran (after cleaning up all the same).
    @discardableResult
    public static func down(_ layout: ContainerLabLayout) throws(CoordinatorError) -> DownReport {
        var report = DownReport()
        guard let state = ContainerLabState.load(layout) else {
            report.removed = ContainerNetwork.remove(namespaces: [ContainerLabLayout.coordinatorNamespace], hostVeths: ["mv-coord"])
            return report
        }
        if let clockd = state.clockd, ChildProcess.isAlive(clockd) {
            ChildProcess.signal(clockd)
            report.removed.append("clock loop")
        }
        for node in state.nodes {
            if let supervisor = node.supervisor, ChildProcess.isAlive(supervisor) || node.leader.map(ChildProcess.isAlive) == true {
                ContainerNode.stop(node.name, supervisor: supervisor, leader: node.leader)
                report.removed.append("\(node.name) container")
            }
        }
        for node in state.nodes {
            let root = layout.root(node.name)
            if ContainerNode.isMounted(root) {
                if (try? Host.run(["umount", root], "unmount \(root)")) == nil { _ = try? Host.run(["umount", "-l", root], "detach \(root)") }
                report.removed.append("\(node.name) overlay")
            }
            if !ContainerNode.isMounted(root) {
                for directory in [layout.upper(node.name), layout.work(node.name), root] where AtomicFile.exists(directory) {
                    _ = try? Host.run(["rm", "-rf", "--one-file-system", "--", directory], "remove \(directory)", timeout: .seconds(300))
                }
            }
        }
        report.removed += ContainerNetwork.remove(namespaces: [ContainerLabLayout.coordinatorNamespace] + state.nodes.map { ContainerLabLayout.namespace($0.name) },
                                                  hostVeths: ["mv-coord"] + state.nodes.map { ContainerLabLayout.hostVeth($0.name) })
        report.removed += ContainerCgroups.removeLeftovers(nodes: state.nodes.map(\.name))
        AtomicFile.remove(layout.state)
        let moved = BootClock.realtimeMinusBoottime() - state.hostClockAtUp
        report.hostClockMoved = moved
        guard abs(moved) <= hostClockTolerance else {
            throw CoordinatorError(.lab, "THE HOST CLOCK JUMPED by \(Durations.duration(moved)) while the container lab ran "
                + "(CLOCK_REALTIME − CLOCK_BOOTTIME changed; limit \(Durations.duration(hostClockTolerance))); everything was stopped and removed")
        }
        return report
    }

    /// Runs `command` inside `node`; returns what it printed and its exit code.
    public static func exec(_ layout: ContainerLabLayout, node: String, _ command: [String],
                            timeout: Duration = .seconds(3600)) throws(CoordinatorError) -> CommandResult {
        guard !command.isEmpty else { throw CoordinatorError(.lab, "lab exec \(node): no command given (use `-- COMMAND...`)") }
        let leader = try runningLeader(layout, node: node)
        do { return try ChildProcess.run(ContainerNode.exec(leader, command), timeout: timeout, maxOutput: 16 << 20) } catch {
            throw CoordinatorError(.lab, "\(node): cannot run \(command.joined(separator: " ")): \(error)")
        }
    }

    static func runningLeader(_ layout: ContainerLabLayout, node: String) throws(CoordinatorError) -> Int32 {
        guard let state = ContainerLabState.load(layout) else { throw CoordinatorError(.lab, "no container lab in \(layout.directory)") }
        guard let entry = state.node(node) else {
            throw CoordinatorError(.lab, "no node \(node) in the container lab (it has \(state.nodes.map(\.name).joined(separator: ", ")))")
        }
        guard let supervisor = entry.supervisor, ChildProcess.isAlive(supervisor),
              let leader = ContainerNode.currentLeader(supervisor: supervisor, recorded: entry.leader) else {
            throw CoordinatorError(.lab, "\(node) is not running (or is rebooting)")
        }
        return leader
    }

    public struct NodeStatus: Sendable {
        public var node: String
        public var address: String
        public var running: Bool
        /// `systemctl is-system-running` inside the node.
        public var system: String
        /// Unit → `systemctl is-active` for the units the lab cares about.
        public var units: [(unit: String, state: String)]
        /// `systemctl is-active ceph-mon@NODE.service`, nil on a node without a monitor (its unit
        /// not enabled: `lab up` without `--ceph-mons`, or past the first K nodes).
        public var cephMonitor: String?
        public var offsetSeconds: Double
    }

    public static let watchedUnits = ["chrony.service", "ssh.service", "meridian-agent.service", "corosync.service"]

    public static func status(_ layout: ContainerLabLayout) -> (nodes: [NodeStatus], clockd: Int32?, hostClockMoved: Double)? {
        guard let state = ContainerLabState.load(layout) else { return nil }
        let nodes = state.nodes.map { node -> NodeStatus in
            let leader = try? runningLeader(layout, node: node.name)
            func ask(_ command: [String]) -> String {
                guard let leader, let result = try? ChildProcess.run(ContainerNode.exec(leader, command), timeout: .seconds(10)) else { return "-" }
                return result.stdout.trimmingWhitespace
            }
            let monitor = "ceph-mon@\(node.name).service"
            let active = leader == nil ? [] : ask(["systemctl", "is-active"] + watchedUnits + [monitor]).split(separator: "\n").map(String.init)
            let hasMonitor = leader != nil && ask(["systemctl", "is-enabled", monitor]) == "enabled"
            return NodeStatus(node: node.name, address: node.address, running: leader != nil, system: leader == nil ? "stopped" : ask(["systemctl", "is-system-running"]),
                              units: watchedUnits.enumerated().map { ($0.element, $0.offset < active.count ? active[$0.offset] : "-") },
                              cephMonitor: hasMonitor ? (watchedUnits.count < active.count ? active[watchedUnits.count] : "-") : nil,
                              offsetSeconds: ContainerClock.readOffset(layout.offsetFile(node.name)))
        }
        return (nodes, state.clockd.flatMap { ChildProcess.isAlive($0) ? $0 : nil }, BootClock.realtimeMinusBoottime() - state.hostClockAtUp)
    }
}
