import ArgumentParser
import Coordinator

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the cluster file from flags or from a Proxmox corosync.conf.",
        discussion: """
            Examples:
              meridian init --from-corosync /etc/pve/corosync.conf --master pve1 --subnet 192.168.1.0/24 --timezone Asia/Jakarta
              meridian init --node pve1=192.168.1.10 --node pve2=192.168.1.11 --subnet 192.168.1.0/24
            The first node is the time server unless --master names one (repeat it for 2-3 servers: orphan mode).
            """)

    @Option(help: "Cluster file to write (default: $MERIDIAN_CLUSTER, else /etc/meridian/cluster.json).") var cluster: String?
    @Option(help: "Cluster name (default: corosync's cluster_name, else proxmox).") var name: String?
    @Option(name: [.customLong("master"), .customLong("time-server")], help: "Time server node (repeat for 2-3).") var masters: [String] = []
    @Option(name: .customLong("subnet"), help: "Subnet the nodes share, in CIDR form (repeatable).") var subnets: [String] = []
    @Option(help: "IANA time zone for every node (default: this machine's).") var timezone: String?
    @Option(name: .customLong("node"), help: "NAME=ADDRESS of a node (repeatable).") var nodes: [String] = []
    @Option(help: "Read the nodes from a Proxmox corosync.conf nodelist.") var fromCorosync: String?
    @Option(help: "Coordinator certificate directory to record.") var certs: String?
    @Option(parsing: .unconditional, help: "Tolerated offset in seconds (0.0001...10; default 0.05, Ceph's mon_clock_drift_allowed).") var maxOffset: Double?
    @Flag(help: "Let the time servers accept manual time input (meridian clock set).") var manualTime = false
    @Flag(help: "Do not sync the RTC of the time servers.") var noRtcSync = false
    @Option(help: "never | rolling: restart corosync/pve-cluster after apply.") var restartClusterServices: String?
    @Option(help: "ignore | check | open: UDP 123 on the time servers.") var firewall: String?
    @Option(help: "keys | off: authenticate NTP inside the cluster with keys Meridian makes (default keys).") var ntpAuth = "keys"
    @Flag(help: "Replace an existing cluster file.") var force = false

    func validate() throws { try OptionRange.check(maxOffset, "--max-offset", 0.0001...10) }

    func run() throws {
        var request = ClusterInit.Request()
        request.name = name
        request.timeServers = masters
        request.subnets = subnets
        request.timezone = timezone
        request.nodes = nodes
        request.corosyncPath = fromCorosync
        request.certificateDirectory = certs
        request.maxOffsetSeconds = maxOffset
        request.manualTime = manualTime
        request.noRTCSync = noRtcSync
        request.restartClusterServices = restartClusterServices
        request.firewall = firewall
        request.ntpAuth = ntpAuth
        let path = ClusterFileStore.path(flag: cluster)
        do {
            let file = try ClusterInit.build(request)
            try ClusterFileStore.save(file, to: path, force: force)
            print("wrote \(path): \(file.nodes.count) nodes, time server(s) \(file.timeServers.map(\.description).joined(separator: ", ")), timezone \(file.timezone)")
        } catch {
            throw fail("\(error)", code: ExitCode(2))
        }
    }
}
