/// Everything known about one node at one moment: parsed tool output from its agent and the
/// offset the coordinator measured itself. Missing pieces stay nil and make the verdict unknown
/// only where they matter.
public struct NodeFacts: Sendable, Equatable {
    public var node: String
    public var tracking: ChronyTracking?
    /// Why `tracking` is nil although chronyc ran (nil when it was not asked or it succeeded).
    public var trackingFailure: ChronycFailure?
    public var sources: ChronySources?
    /// `chronyc -c authdata`: how chrony authenticates each source (nil when not reported).
    public var authData: ChronyAuthData?
    /// `chronyc -c ntpdata`: packet counters per NTP source (nil when not reported).
    public var ntpData: ChronyNTPData?
    public var timezone: String?
    public var quorum: QuorumStatus?
    public var ceph: CephStatus?
    /// `ceph time-sync-status`: every monitor's skew as the leader measured it.
    public var cephTimeSync: CephTimeSync?
    public var firewall: FirewallVerdict?
    /// Lines of the current chrony.conf (and files in sourcedir/confdir) that add sources.
    public var foreignSources: [String]
    /// This node's clock minus the reference node's, measured by the coordinator (seconds).
    public var measuredOffsetSeconds: Double?
    /// The node the measurement is relative to (the coordinator's node, usually the time server).
    public var measuredAgainst: String?
    /// Set when the agent could not be reached at all.
    public var unreachable: String?

    public init(node: String, tracking: ChronyTracking? = nil, sources: ChronySources? = nil, timezone: String? = nil,
                quorum: QuorumStatus? = nil, ceph: CephStatus? = nil, firewall: FirewallVerdict? = nil,
                foreignSources: [String] = [], measuredOffsetSeconds: Double? = nil, measuredAgainst: String? = nil,
                unreachable: String? = nil, trackingFailure: ChronycFailure? = nil) {
        self.node = node; self.tracking = tracking; self.sources = sources; self.timezone = timezone
        self.quorum = quorum; self.ceph = ceph; self.firewall = firewall; self.foreignSources = foreignSources
        self.measuredOffsetSeconds = measuredOffsetSeconds; self.measuredAgainst = measuredAgainst
        self.unreachable = unreachable; self.trackingFailure = trackingFailure
    }
}
