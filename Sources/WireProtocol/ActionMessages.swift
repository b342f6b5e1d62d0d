/// Params and results of the agent's actions (protocol/PROTOCOL.md §4). Tool output travels as
/// raw text; the coordinator parses it with ClockSync, so the agent stays small and the parsers
/// stay in one pure place.

/// The output of one command the agent ran (a fact or the evidence of a failure).
public struct CommandOutput: Sendable, Equatable, Codable {
    public var command: [String]
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool

    public init(command: [String], status: Int32, stdout: String, stderr: String, timedOut: Bool) {
        self.command = command; self.status = status; self.stdout = stdout; self.stderr = stderr; self.timedOut = timedOut
    }

    public var succeeded: Bool { status == 0 && !timedOut }

    enum CodingKeys: String, CodingKey { case command, status, stdout, stderr, timedOut = "timed_out" }
}

public struct FactsResult: Sendable, Equatable, Codable {
    public var node: String
    public var hostname: String
    public var chronyVersion: String?
    /// The chrony.conf the agent manages, as it is now (nil when absent).
    public var chronyConf: String?
    /// Files in chrony's sourcedir/confdir directories that add sources behind Meridian's back.
    public var foreignSourceFiles: [String]
    /// `sourcedir`/`confdir` directories the config names outside the agent's root: reported,
    /// never listed.
    public var sourceDirectoriesOutsideRoot: [String] = []
    public var tracking: CommandOutput?
    public var sources: CommandOutput?
    public var sourcestats: CommandOutput?
    /// `chronyc -c authdata` (key ids and modes per source, no key material); nil from an
    /// agent older than NTP authentication.
    public var authdata: CommandOutput?
    /// `chronyc -c ntpdata` (per-source packet counters: a wrong key shows as requests sent
    /// and no valid answer).
    public var ntpdata: CommandOutput?
    public var timezone: String?
    /// `pvecm status` (or corosync-quorumtool) output where the cluster stack exists.
    public var quorum: CommandOutput?
    public var ceph: CommandOutput?
    /// `ceph time-sync-status --format json` (the leader's per-monitor skew), where the node
    /// has /etc/ceph/ceph.conf; nil from older agents and elsewhere.
    public var cephTimeSync: CommandOutput?
    /// Other time daemons found active (systemd-timesyncd, ntp, openntpd).
    public var otherTimeDaemons: [String]
    /// "allowed", "blocked", "not filtering" or nil when unknown.
    public var firewall: String?

    public init(node: String, hostname: String, chronyVersion: String? = nil, chronyConf: String? = nil,
                foreignSourceFiles: [String] = [], tracking: CommandOutput? = nil, sources: CommandOutput? = nil,
                sourcestats: CommandOutput? = nil, timezone: String? = nil, quorum: CommandOutput? = nil,
                ceph: CommandOutput? = nil, otherTimeDaemons: [String] = [], firewall: String? = nil) {
        self.node = node; self.hostname = hostname; self.chronyVersion = chronyVersion; self.chronyConf = chronyConf
        self.foreignSourceFiles = foreignSourceFiles; self.tracking = tracking; self.sources = sources
        self.sourcestats = sourcestats; self.timezone = timezone; self.quorum = quorum; self.ceph = ceph
        self.otherTimeDaemons = otherTimeDaemons; self.firewall = firewall
    }

    enum CodingKeys: String, CodingKey {
        case node, hostname, tracking, sources, sourcestats, authdata, ntpdata, timezone, quorum, ceph, firewall
        case chronyVersion = "chrony_version"
        case chronyConf = "chrony_conf"
        case cephTimeSync = "ceph_time_sync"
        case foreignSourceFiles = "foreign_source_files"
        case sourceDirectoriesOutsideRoot = "source_dirs_outside_root"
        case otherTimeDaemons = "other_time_daemons"
    }
}

public struct ChronyApplyResult: Sendable, Equatable, Codable {
    /// False when the file already had this content: nothing written, nothing restarted.
    public var changed: Bool
    public var backup: String?
    /// The source chrony selected (client) or "LOCAL" (server), once it did.
    public var selected: String?
    public var waitedSeconds: Double

    public init(changed: Bool, backup: String?, selected: String?, waitedSeconds: Double) {
        self.changed = changed; self.backup = backup; self.selected = selected; self.waitedSeconds = waitedSeconds
    }

    enum CodingKeys: String, CodingKey {
        case changed, backup, selected
        case waitedSeconds = "waited_seconds"
    }
}

/// What a failed action leaves for the coordinator to report (in the error's `data`).
public struct ActionFailure: Sendable, Equatable, Codable {
    public var stage: String
    public var rolledBack: Bool
    public var evidence: [CommandOutput]

    public init(stage: String, rolledBack: Bool, evidence: [CommandOutput]) {
        self.stage = stage; self.rolledBack = rolledBack; self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey { case stage, evidence, rolledBack = "rolled_back" }
}

public struct TimezoneParams: Sendable, Equatable, Codable {
    public var timezone: String
    public init(timezone: String) { self.timezone = timezone }
}

public struct ChangeResult: Sendable, Equatable, Codable {
    public var changed: Bool
    public var detail: String
    public init(changed: Bool, detail: String) { self.changed = changed; self.detail = detail }
}

public struct SetClockParams: Sendable, Equatable, Codable {
    /// The time to set, as the coordinator computed it for the moment the agent receives it.
    public var time: Timestamp
    public init(time: Timestamp) { self.time = time }
}

public struct ServiceParams: Sendable, Equatable, Codable {
    /// One of the whitelisted services: "chrony", "corosync", "pve-cluster".
    public var service: String
    public init(service: String) { self.service = service }
}

public struct OpenNTPParams: Sendable, Equatable, Codable {
    /// The subnets allowed to query this time server (the cluster file's `subnets`).
    public var subnets: [String]
    public init(subnets: [String]) { self.subnets = subnets }
}
