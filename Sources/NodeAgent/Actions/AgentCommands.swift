/// The argv behind each action, from the agent config's `commands` object. Every command runs by
/// argv with a timeout; none goes through a shell. An empty list means "not on this node": the
/// action then falls back (timezone: write `root`/etc/timezone) or reports it as not available.
public struct AgentCommands: Sendable, Equatable, Decodable {
    public var chronyc = ["chronyc"]
    public var chronydVersion = ["chronyd", "-v"]
    public var restartChrony = ["systemctl", "restart", "chrony.service"]
    public var isActive = ["systemctl", "is-active", "--quiet"]
    public var disableNow = ["systemctl", "disable", "--now"]
    public var setTimezone = ["timedatectl", "set-timezone"]
    /// The timezone fact (`Timezone=` line); empty: read `root`/etc/timezone instead.
    public var showTimedate = ["timedatectl", "show"]
    public var hwclockSystohc = ["hwclock", "--systohc"]
    public var restartCorosync = ["systemctl", "restart", "corosync.service"]
    public var restartPveCluster = ["systemctl", "restart", "pve-cluster.service"]
    public var quorumStatus = ["pvecm", "status"]
    /// Asked when `quorum_status` is not installed (exit 127): corosync's own tool, on every
    /// corosync node (FIELD-NOTES: `pvecm` is Proxmox's only).
    public var quorumTool = ["corosync-quorumtool", "-s"]
    public var cephStatus = ["ceph", "-s", "--format", "json"]
    public var hostname = ["hostname"]
    /// chrony's manual time input; the UTC time text ("Nov 25, 2026 01:21:25") is appended.
    public var setClock = ["chronyc", "settime"]
    public var ufwStatus = ["ufw", "status"]
    /// `ufw allow from SUBNET to any port 123 proto udp` (the words after `allow` are appended).
    public var ufwAllow = ["ufw", "allow"]
    /// The nftables ruleset, read when neither the Proxmox firewall nor ufw filters.
    public var nftRuleset = ["nft", "list", "ruleset"]
    /// Units that fight chrony when they run beside it.
    public var otherTimeDaemons = ["systemd-timesyncd.service", "ntp.service", "ntpsec.service", "openntpd.service"]

    public init() {}

    enum Key: String, CodingKey, CaseIterable {
        case chronyc, hostname
        case chronydVersion = "chronyd_version"
        case restartChrony = "restart_chrony"
        case isActive = "is_active"
        case disableNow = "disable_now"
        case setTimezone = "set_timezone"
        case showTimedate = "show_timedate"
        case hwclockSystohc = "hwclock_systohc"
        case restartCorosync = "restart_corosync"
        case restartPveCluster = "restart_pve_cluster"
        case quorumStatus = "quorum_status"
        case quorumTool = "quorum_tool"
        case cephStatus = "ceph_status"
        case otherTimeDaemons = "other_time_daemons"
        case setClock = "set_clock"
        case ufwStatus = "ufw_status"
        case ufwAllow = "ufw_allow"
        case nftRuleset = "nft_ruleset"
    }

    public init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: AgentConfiguration.AnyKey.self).allKeys.map(\.stringValue)
        let known = Set(Key.allCases.map(\.rawValue))
        if let unknown = all.sorted().first(where: { !known.contains($0) }) {
            throw AgentError(.invalidCommand, "unknown command \"commands.\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        let c = try decoder.container(keyedBy: Key.self)
        func read(_ key: Key, _ fallback: [String]) throws -> [String] {
            guard let argv = try c.decodeIfPresent([String].self, forKey: key) else { return fallback }
            if let first = argv.first, first.isEmpty { throw AgentError(.invalidCommand, "commands.\(key.rawValue): the program must not be empty") }
            return argv
        }
        let defaults = AgentCommands()
        chronyc = try read(.chronyc, defaults.chronyc)
        hostname = try read(.hostname, defaults.hostname)
        chronydVersion = try read(.chronydVersion, defaults.chronydVersion)
        restartChrony = try read(.restartChrony, defaults.restartChrony)
        isActive = try read(.isActive, defaults.isActive)
        disableNow = try read(.disableNow, defaults.disableNow)
        setTimezone = try read(.setTimezone, defaults.setTimezone)
        showTimedate = try read(.showTimedate, defaults.showTimedate)
        hwclockSystohc = try read(.hwclockSystohc, defaults.hwclockSystohc)
        restartCorosync = try read(.restartCorosync, defaults.restartCorosync)
        restartPveCluster = try read(.restartPveCluster, defaults.restartPveCluster)
        quorumStatus = try read(.quorumStatus, defaults.quorumStatus)
        quorumTool = try read(.quorumTool, defaults.quorumTool)
        cephStatus = try read(.cephStatus, defaults.cephStatus)
        otherTimeDaemons = try read(.otherTimeDaemons, defaults.otherTimeDaemons)
        setClock = try read(.setClock, defaults.setClock)
        ufwStatus = try read(.ufwStatus, defaults.ufwStatus)
        ufwAllow = try read(.ufwAllow, defaults.ufwAllow)
        nftRuleset = try read(.nftRuleset, defaults.nftRuleset)
    }
}
