import HostSystem
import ClockSync
import JSONCore
import SecureTransport

/// `meridian lab`: N simulated nodes on loopback, each a real chronyd (-x) and a real agent on a
/// libfaketime clock, plus the clock loop; the README's demo and the integration-test bed.
public enum Lab {
    public struct Request: Sendable {
        public var directory: String
        public var nodes = 3
        public var servers = 1
        /// Node name → initial offset in seconds (positive: ahead).
        public var skews: [String: Double] = [:]
        public var timezone = "Asia/Jakarta"
        public var meridianBinary: String
        public var agentBinary: String

        public init(directory: String, meridianBinary: String, agentBinary: String) {
            self.directory = directory
            self.meridianBinary = meridianBinary
            self.agentBinary = agentBinary
        }
    }

    public static let defaultDirectory = "/tmp/meridian-lab"

    /// `up` for async callers. `up` waits for every chronyd and agent to come up by polling, so
    /// it runs on a thread of its own here, never on Swift concurrency's cooperative pool (two
    /// threads on these machines: a poll there stalls every other task in the process).
    public static func start(_ request: Request, log: @escaping @Sendable (String) -> Void = { _ in }) async throws(CoordinatorError) -> ClusterFile {
        do {
            return try await DedicatedThread.run(name: "lab-up") { try up(request, log: log) }
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.lab, "cannot start the lab in \(request.directory): \(error)")
        }
    }

    /// `down` for async callers, on a thread of its own (it waits for each process to exit).
    @discardableResult
    public static func stop(_ layout: LabLayout) async -> [String] {
        (try? await DedicatedThread.run(name: "lab-down") { down(layout) }) ?? []
    }

    /// Starts the lab and returns its cluster file. Refuses to start over a lab that still runs.
    /// Blocks until every process is up: call it from a thread you own (or use `start`).
    public static func up(_ request: Request, log: (String) -> Void) throws(CoordinatorError) -> ClusterFile {
        let layout = LabLayout(directory: request.directory)
        guard (1...200).contains(request.nodes) else { throw CoordinatorError(.usage, "--nodes must be 1...200, got \(request.nodes)") }
        guard (1...3).contains(request.servers), request.servers <= request.nodes else {
            throw CoordinatorError(.usage, "--servers must be 1...3 and at most --nodes, got \(request.servers)")
        }
        for (path, what) in [("/usr/sbin/chronyd", "chronyd (Debian package chrony)"), (LabLayout.libfaketime, "libfaketime (Debian package faketime)"),
                             (request.agentBinary, "meridian-agent"), (request.meridianBinary, "meridian")] where !AtomicFile.exists(path) {
            throw CoordinatorError(.notFound, "\(what) is missing at \(path); run scripts/install-deps.sh and swift build")
        }
        if let state = LabState.load(layout), isRunning(state, layout) {
            throw CoordinatorError(.alreadyExists, "a lab is already running in \(layout.directory); stop it with `meridian lab down --dir \(layout.directory)`")
        }
        let names = (1...request.nodes).map(LabLayout.name)
        for node in request.skews.keys where !names.contains(node) {
            throw CoordinatorError(.usage, "--skew names \(node), but the lab has \(names.first ?? "")…\(names.last ?? "")")
        }
        let cluster = try writeFiles(request, layout: layout, names: names)
        var state = LabState(nodes: names)
        do throws(CoordinatorError) {
            for node in names {
                try LabProcesses.startChronyd(layout, node: node, timestampShim: LabLayout.timestampShim(besideExecutable: request.meridianBinary))
                state.agents[node] = try LabProcesses.startAgent(layout, node: node, agentBinary: request.agentBinary)
                try state.save(layout)
            }
            var environment = ChildProcess.inheritedEnvironment
            environment["MERIDIAN_LAB_DIR"] = layout.directory
            do {
                state.clockd = try ChildProcess.spawnDetached([request.meridianBinary, "lab", "clockd", "--dir", layout.directory],
                                                              environment: environment, logPath: layout.clockdLog)
            } catch { throw CoordinatorError(.lab, "cannot start the lab clock loop: \(error)") }
            try state.save(layout)
        } catch {
            down(layout)
            throw error
        }
        log("lab up: \(names.count) nodes on \(LabLayout.address(1))…\(LabLayout.address(names.count)), time server(s) \(cluster.timeServers.map(\.description).joined(separator: ", "))")
        return cluster
    }

    static func writeFiles(_ request: Request, layout: LabLayout, names: [String]) throws(CoordinatorError) -> ClusterFile {
        do {
            try AtomicFile.makeDirectories(layout.directory, mode: 0o755)
            _ = try PKI.initAuthority(in: layout.certificates, clusterName: "lab", force: true)
            for (index, node) in names.enumerated() {
                let root = layout.root(node)
                for directory in ["/etc/chrony/sources.d", "/etc/chrony/conf.d", "/var/lib/chrony", "/run/chrony-dhcp"] {
                    try AtomicFile.makeDirectories(root + directory, mode: 0o755)
                }
                // chronyd refuses a command-socket directory that others can read.
                try AtomicFile.setPermissions(root + "/run", 0o700)
                AtomicFile.remove(layout.socket(node))
                AtomicFile.remove(root + ChronyBackups.directory + "/" + ChronyBackups.originalName)
                let address = LabLayout.address(index + 1)
                _ = try PKI.issueAgent(node: node, address: address, in: layout.certificates, force: true)
                try AtomicFile.write(Array(layout.debianDefaultConfig(node, address: address).utf8), to: layout.chronyConf(node))
                try AtomicFile.write(Array("Etc/UTC\n".utf8), to: root + "/etc/timezone")
                try LabClock.writeOffset(layout, node: node, seconds: request.skews[node] ?? 0)
                try AtomicFile.write(agentConfig(layout, node: node, address: address, meridian: request.meridianBinary).encodedBytes(),
                                     to: layout.agentConfig(node))
            }
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.lab, "cannot prepare the lab in \(layout.directory): \(error)")
        }
        try LabCorosync.writeStandIn(layout, nodes: names)
        var init_ = ClusterInit.Request()
        init_.name = "lab"
        init_.nodes = names.enumerated().map { "\($0.element)=\(LabLayout.address($0.offset + 1))" }
        init_.timeServers = Array(names.prefix(request.servers))
        init_.subnets = ["127.0.0.0/8"]
        init_.timezone = request.timezone
        init_.certificateDirectory = layout.certificates
        init_.manualTime = true  // so `meridian clock set` works on the lab's time servers
        var cluster = try ClusterInit.build(init_)
        cluster.lab = ClusterFile.Lab(directory: layout.directory, serverPort: LabLayout.serverPort)
        try ClusterFileStore.save(cluster, to: layout.clusterFile, force: true)
        return cluster
    }

    /// The agent's config on a lab node: its root, commands that act on the lab instead of
    /// systemd (restarting chronyd goes through `meridian lab restart-chrony`), and the lab's
    /// chrony settings (own address, shared NTP port, own socket and files).
    static func agentConfig(_ layout: LabLayout, node: String, address: String, meridian: String) -> JSONValue {
        func argv(_ words: [String]) -> JSONValue { .array(words.map(JSONValue.string)) }
        let commands: [String: JSONValue] = [
            "chronyc": argv(["chronyc", "-h", layout.socket(node)]),
            "chronyd_version": argv(["/usr/sbin/chronyd", "-v"]),
            "restart_chrony": argv([meridian, "lab", "restart-chrony", "--dir", layout.directory, "--node", node]),
            // The lab's stand-in for chrony's manual input stepping the kernel clock.
            "set_clock": argv([meridian, "lab", "set-clock", "--dir", layout.directory, "--node", node]),
            "set_timezone": argv([]), "show_timedate": argv([]), "hwclock_systohc": argv([]),
            // A simulated corosync (LabCorosync); pve-cluster has nothing to restart in the lab.
            "restart_corosync": argv([meridian, "lab", "corosync", "restart", "--dir", layout.directory, "--node", node]),
            // `meridian lab corosync status` prints the same; the script spares a process start per survey.
            "quorum_status": argv(["/bin/bash", LabCorosync.standInPath(layout), node]),
            "restart_pve_cluster": argv(["/bin/true"]), "ceph_status": argv([]),
            "ufw_status": argv([]), "ufw_allow": argv([]), "nft_ruleset": argv([]), "quorum_tool": argv([]),
            "is_active": argv([]), "disable_now": argv([]), "hostname": argv([]),
        ]
        return .object([
            "node": .string(node), "listen": .string("\(address):7480"),
            "ca": .string(layout.certificates + "/ca.pem"),
            "cert": .string("\(layout.certificates)/\(node).pem"), "key": .string("\(layout.certificates)/\(node).key"),
            "root": .string(layout.root(node)), "sync_timeout_seconds": .integer(30),
            "commands": .object(commands),
            // chrony.conf's node-local lines: the agent renders them, the coordinator cannot.
            "chrony": .object([
                "drift_file": .string(layout.root(node) + "/chrony.drift"),
                "lab": .object([
                    "bind_address": .string(address), "ntp_port": .integer(Int64(LabLayout.serverPort)),
                    "command_socket": .string(layout.socket(node)), "pid_file": .string(layout.pidFile(node)),
                    "fast_polling": .bool(true),
                ]),
            ]),
        ])
    }

    static func isRunning(_ state: LabState, _ layout: LabLayout) -> Bool {
        state.agents.values.contains(where: ChildProcess.isAlive) || state.clockd.map(ChildProcess.isAlive) == true
            || state.nodes.contains { LabProcesses.chronydPID(layout, node: $0) != nil }
    }

    /// Starts a node's agent again (after it was stopped or died) and records its pid.
    public static func restartAgent(_ layout: LabLayout, node: String, agentBinary: String) throws(CoordinatorError) {
        guard var state = LabState.load(layout), state.nodes.contains(node) else { throw CoordinatorError(.notFound, "no lab node \(node) in \(layout.directory)") }
        if let old = state.agents[node] { LabProcesses.release(old) }
        state.agents[node] = try LabProcesses.startAgent(layout, node: node, agentBinary: agentBinary)
        try state.save(layout)
    }

    /// Stops everything the lab started, by pid.
    @discardableResult
    public static func down(_ layout: LabLayout) -> [String] {
        var stopped: [String] = []
        let state = LabState.load(layout) ?? LabState(nodes: AtomicFile.list(layout.directory + "/nodes"))
        if let clockd = state.clockd, LabProcesses.release(clockd) { stopped.append("clock loop") }
        for node in state.nodes {
            if let agent = state.agents[node], LabProcesses.release(agent) { stopped.append("\(node) agent") }
            if LabProcesses.chronydPID(layout, node: node) != nil { LabProcesses.stopChronyd(layout, node: node); stopped.append("\(node) chronyd") }
        }
        if LabProcesses.chronydPID(layout, node: LabRogue.name) != nil { LabRogue.stop(layout); stopped.append("rogue chronyd") }
        AtomicFile.remove(layout.state)
        return stopped
    }

    public struct NodeStatus: Sendable {
        public var node: String
        public var chronyd: Int32?
        public var agent: Int32?
        public var offsetSeconds: Double
    }

    public static func status(_ layout: LabLayout) -> (nodes: [NodeStatus], clockd: Int32?)? {
        guard let state = LabState.load(layout) else { return nil }
        let nodes = state.nodes.map { node in
            NodeStatus(node: node, chronyd: LabProcesses.chronydPID(layout, node: node),
                       agent: state.agents[node].flatMap { ChildProcess.isAlive($0) ? $0 : nil },
                       offsetSeconds: LabClock.readOffset(layout, node: node))
        }
        return (nodes, state.clockd.flatMap { ChildProcess.isAlive($0) ? $0 : nil })
    }
}
