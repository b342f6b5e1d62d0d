import HostSystem
import ClockSync
import JSONCore
import SecureTransport

/// `meridian lab up --kind container`: N real Debian 12 nodes, each a systemd-nspawn container
/// booted with systemd as PID 1, on an overlay of one shared base, in its own network namespace
/// on a bridge the host has no address on. Only the clocks are simulated (libfaketime, chronyd -x).
public enum ContainerLab {
    public struct Request: Sendable {
        public var directory: String
        public var base: String
        public var nodes = 3
        public var servers = 1
        /// Real Ceph monitors on the first K nodes (0: no Ceph).
        public var cephMonitors = 3
        /// Node name → initial offset in seconds (positive: ahead).
        public var skews: [String: Double] = [:]
        public var timezone = "Asia/Jakarta"
        public var package: String?
        public var meridianBinary: String
        public var agentBinary: String

        public init(directory: String, base: String, meridianBinary: String, agentBinary: String) {
            self.directory = directory; self.base = base
            self.meridianBinary = meridianBinary; self.agentBinary = agentBinary
        }
    }

    public static let defaultDirectory = "/tmp/meridian-container-lab"

    public static func up(_ request: Request, log: (String) -> Void) throws(CoordinatorError) -> ClusterFile {
        let layout = ContainerLabLayout(directory: request.directory)
        try validate(request)
        if let state = ContainerLabState.load(layout), state.nodes.contains(where: { $0.supervisor.map(ChildProcess.isAlive) == true }) {
            throw CoordinatorError(.lab, "a container lab is already running in \(layout.directory); stop it with `meridian lab down --dir \(layout.directory)`")
        }
        let names = (1...request.nodes).map(ContainerLabLayout.name)
        let all = names.enumerated().map { (name: $0.element, address: ContainerLabLayout.address($0.offset + 1)) }
        var state = ContainerLabState(base: request.base, nodes: all.map { .init(name: $0.name, address: $0.address) },
                                      hostClockAtUp: BootClock.realtimeMinusBoottime())
        do {
            try AtomicFile.makeDirectories(layout.directory + "/ssh", mode: 0o700)
            try AtomicFile.makeDirectories(layout.directory + "/nodes", mode: 0o755)
        } catch { throw CoordinatorError(.lab, "cannot make the lab directory \(layout.directory): \(error)") }
        try state.save(layout)  // from here on `lab down` can undo whatever was made
        do throws(CoordinatorError) {
            try ContainerNetwork.createBridge()
            try ContainerNetwork.addNamespace(ContainerLabLayout.coordinatorNamespace, hostVeth: "mv-coord",
                                              address: ContainerLabLayout.coordinatorAddress)
            try ContainerNetwork.check(ContainerLabLayout.coordinatorNamespace)
            let authorizedKey = try rootKey(layout)
            let shim = try ContainerBaseImage.compileTimestampShim(meridianBinary: request.meridianBinary, into: layout.directory + "/lib")
            var knownHosts = ""
            let corosyncKey = try ContainerCorosync.authkey(layout)
            for node in all {
                try ContainerNetwork.addNamespace(ContainerLabLayout.namespace(node.name), hostVeth: ContainerLabLayout.hostVeth(node.name),
                                                  address: node.address)
                try ContainerNetwork.check(ContainerLabLayout.namespace(node.name))
                try ContainerNode.mountOverlay(layout, node: node.name, base: request.base)
                try ContainerClock.writeOffset(layout.offsetFile(node.name), seconds: request.skews[node.name] ?? 0)
                try ContainerNodeFiles.write(layout, node: node.name, all: all, authorizedKey: authorizedKey,
                                             timestampShim: shim)
                try ContainerCorosync.write(layout, node: node.name, all: all, key: corosyncKey)
                try checkNoResolver(layout, node: node.name)
                knownHosts += try knownHostsLine(layout, node: node.name, address: node.address)
            }
            do { try AtomicFile.write(Array(knownHosts.utf8), to: layout.knownHosts) } catch {
                throw CoordinatorError(.lab, "cannot write \(layout.knownHosts): \(error)")
            }
            let started = ContinuousClock.now
            for index in state.nodes.indices {
                state.nodes[index].supervisor = try ContainerNode.boot(layout, node: state.nodes[index].name)
                try state.save(layout)
            }
            let deadline = started + .seconds(60 + 10 * request.nodes)
            for index in state.nodes.indices {
                guard let supervisor = state.nodes[index].supervisor else { continue }
                state.nodes[index].leader = try ContainerNode.waitForLeader(state.nodes[index].name, supervisor: supervisor, deadline: deadline)
                try state.save(layout)
            }
            for node in state.nodes {
                guard let leader = node.leader else { continue }
                try ContainerNode.waitUntilRunning(node.name, leader: leader, deadline: deadline)
            }
            log("lab up: \(names.count) containers booted to `running` in \(Durations.duration((ContinuousClock.now - started).seconds))")
            for node in state.nodes {
                guard let leader = node.leader else { continue }
                try ContainerFirewall.close(node.name, leader: leader)
            }
            let quorumStarted = ContinuousClock.now
            try ContainerCorosync.waitQuorate(state.nodes.compactMap { node in node.leader.map { (node.name, $0) } },
                                              deadline: ContinuousClock.now + .seconds(60))
            log("lab up: corosync (real, knet) quorate with all \(names.count) votes \(Durations.duration((ContinuousClock.now - quorumStarted).seconds)) after boot; "
                + "pve-cluster.service is a stand-in unit (Proxmox's pmxcfs is not in Debian)")
            try ContainerCeph.start(layout, monitors: state.nodes.prefix(request.cephMonitors).compactMap { node in
                node.leader.map { (node.name, node.address, $0) }
            }, log: log)
            let cluster = try writeClusterFile(request, layout: layout, all: all)
            try writeDeploySettings(request, layout: layout)
            state.clockd = try ContainerClock.startLoop(layout, meridian: request.meridianBinary)
            try state.save(layout)
            log("lab up: \(names.count) nodes on \(ContainerLabLayout.subnet) (\(all.first?.address ?? "")…\(all.last?.address ?? "")), "
                + "bridge \(ContainerLabLayout.bridge) with no host address; run the coordinator in its namespace: "
                + "ip netns exec \(ContainerLabLayout.coordinatorNamespace) meridian …")
            return cluster
        } catch {
            _ = try? down(layout)
            throw error
        }
    }

    static func validate(_ request: Request) throws(CoordinatorError) {
        guard (1...ContainerLabLayout.maxNodes).contains(request.nodes) else {
            throw CoordinatorError(.lab, "--nodes must be 1...\(ContainerLabLayout.maxNodes) for --kind container, got \(request.nodes)")
        }
        guard (1...3).contains(request.servers), request.servers <= request.nodes else {
            throw CoordinatorError(.lab, "--servers must be 1...3 and at most --nodes, got \(request.servers)")
        }
        guard (0...min(request.nodes, 7)).contains(request.cephMonitors) else {
            throw CoordinatorError(.lab, "--ceph-mons must be 0...\(min(request.nodes, 7)) (at most --nodes), got \(request.cephMonitors)")
        }
        let names = (1...request.nodes).map(ContainerLabLayout.name)
        for node in request.skews.keys.sorted() where !names.contains(node) {
            throw CoordinatorError(.lab, "--skew names \(node), but the lab has \(names.first ?? "")…\(names.last ?? "")")
        }
        for (node, seconds) in request.skews where !(seconds.isFinite && abs(seconds) <= 86_400) {
            throw CoordinatorError(.lab, "--skew \(node): \(seconds) s is outside ±86400 s")
        }
        if let package = request.package, !AtomicFile.isRegularFile(package) {
            throw CoordinatorError(.lab, "--package \(package) does not exist (build it with `bash scripts/package.sh`)")
        }
        for (path, what) in [("/usr/bin/systemd-nspawn", "systemd-nspawn (Debian package systemd-container)"),
                             (request.base + "/usr/sbin/chronyd", "the lab's base root filesystem (build it with `bash scripts/lab-image.sh`)"),
                             (request.base + "/sbin/init", "systemd-sysv in the base")] where !AtomicFile.exists(path) {
            throw CoordinatorError(.lab, "\(what) is missing at \(path)")
        }
    }

    /// The lab's root key (made once per lab directory); returns the public half.
    static func rootKey(_ layout: ContainerLabLayout) throws(CoordinatorError) -> String {
        if !AtomicFile.exists(layout.identity) {
            try Host.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "meridian-lab", "-f", layout.identity], "make the lab's SSH key")
        }
        guard let bytes = try? AtomicFile.read(layout.identity + ".pub") else { throw CoordinatorError(.lab, "cannot read \(layout.identity).pub") }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func knownHostsLine(_ layout: ContainerLabLayout, node: String, address: String) throws(CoordinatorError) -> String {
        let path = layout.root(node) + "/etc/ssh/ssh_host_ed25519_key.pub"
        guard let bytes = try? AtomicFile.read(path) else { throw CoordinatorError(.lab, "\(node): cannot read its host key \(path)") }
        let words = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard words.count >= 2 else { throw CoordinatorError(.lab, "\(node): \(path) is not an OpenSSH public key") }
        return "\(node),\(address) \(words[0]) \(words[1])\n"
    }

    /// No name lookup may leave the lab: the node's resolv.conf names no server.
    static func checkNoResolver(_ layout: ContainerLabLayout, node: String) throws(CoordinatorError) {
        let text = (try? AtomicFile.read(layout.root(node) + "/etc/resolv.conf")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if let line = text.split(separator: "\n").first(where: { String($0).trimmingWhitespace.hasPrefix("nameserver") }) {
            throw CoordinatorError(.lab, "\(node): /etc/resolv.conf names a resolver (\(line)); the lab must have none")
        }
    }

    static func writeClusterFile(_ request: Request, layout: ContainerLabLayout,
                                 all: [(name: String, address: String)]) throws(CoordinatorError) -> ClusterFile {
        do { _ = try PKI.initAuthority(in: layout.certificates, clusterName: "lab", force: true) } catch {
            throw CoordinatorError(.lab, "cannot make the lab's CA in \(layout.certificates): \(error)")
        }
        var init_ = ClusterInit.Request()
        init_.name = "lab"
        init_.nodes = all.map { "\($0.name)=\($0.address)" }
        init_.timeServers = all.prefix(request.servers).map(\.name)
        init_.subnets = [ContainerLabLayout.subnet]
        init_.timezone = request.timezone
        init_.certificateDirectory = layout.certificates
        init_.firewall = "open"  // the nodes' ufw blocks NTP until apply opens it on the time servers
        // `keys`, as `init` makes them: the scenario checks every client's source authenticated
        // under the agent's real hardened unit.
        init_.ntpAuth = "keys"
        let cluster = try ClusterInit.build(init_)
        try ClusterFileStore.save(cluster, to: layout.clusterFile, force: true)
        return cluster
    }

    /// DIR/deploy.json: `meridian deploy --settings` reaches the nodes as root with the lab's key
    /// and known_hosts, and installs `--package` with `dpkg -i` (the default install command).
    static func writeDeploySettings(_ request: Request, layout: ContainerLabLayout) throws(CoordinatorError) {
        var object: [String: JSONValue] = [
            "user": .string("root"), "port": .integer(22), "identity": .string(layout.identity),
            "known_hosts": .string(layout.knownHosts), "ssh_options": .array(["-o", "ConnectTimeout=10"].map(JSONValue.string)),
        ]
        if let package = request.package {
            object["package"] = .string(try Host.run(["realpath", "-e", "--", package], "find \(package)").stdout.trimmingWhitespace)
        } else {
            object["agent_binary"] = .string(request.agentBinary)
        }
        do { try AtomicFile.write(JSONValue.object(object).encodedBytes(), to: layout.deploySettings) } catch {
            throw CoordinatorError(.lab, "cannot write \(layout.deploySettings): \(error)")
        }
    }

}
