/// Judges the facts of one node, and of the whole cluster, against the cluster file.
public enum Verdict {
    /// chrony's stratum for a server on its local clock (`local stratum 10`).
    public static let serverStratum = 10

    public static func evaluate(_ facts: NodeFacts, in cluster: ClusterFile) -> NodeVerdict {
        var findings: [Finding] = []
        let name = facts.node
        func add(_ severity: Severity, _ text: String) { findings.append(Finding(severity, "\(name): \(text)")) }
        let tolerance = Durations.duration(cluster.maxOffsetSeconds)

        if let unreachable = facts.unreachable {
            add(.unknown, "agent unreachable (\(unreachable))")
            return NodeVerdict(node: name, findings: findings)
        }
        guard let tracking = facts.tracking else {
            switch facts.trackingFailure {
            case .daemonNotRunning?: add(.critical, facts.trackingFailure?.description ?? "")
            case let failure?: add(.unknown, "no chrony tracking report: \(failure)")
            case nil: add(.unknown, "no chrony tracking report")
            }
            return NodeVerdict(node: name, findings: findings)
        }
        var serves = false
        let serverAddresses = Set(cluster.timeServerNodes.map(\.address.description))
        if cluster.isTimeServer(name) {
            let peerOK = cluster.usesOrphanMode && serverAddresses.contains(tracking.referenceName)
            if tracking.isLocalReference && tracking.stratum == serverStratum {
                add(.ok, "serving its local clock at stratum \(serverStratum)")
                serves = true
            } else if peerOK {
                add(.ok, "following time server \(tracking.referenceName) (orphan mode)")
                serves = true
            } else if !tracking.isSynchronised {
                add(.critical, "time server has no reference (chronyd: \(tracking.leapStatus.rawValue))")
            } else {
                add(.warning, "time server follows \(tracking.referenceName.isEmpty ? tracking.referenceID : tracking.referenceName) at stratum \(tracking.stratum), not its local clock at stratum \(serverStratum)")
            }
        } else {
            findings += clientSources(name, tracking, facts.sources, serverAddresses)
        }
        if tracking.isSynchronised && tracking.leapStatus != .normal {
            add(.warning, "leap status is \(tracking.leapStatus.rawValue)")
        }
        findings += offsetFindings(name, chrony: tracking.isSynchronised ? tracking.offsetSeconds : nil,
                                   measured: facts.measuredOffsetSeconds, against: facts.measuredAgainst,
                                   cluster: cluster, tolerance: tolerance)
        if let zone = facts.timezone, zone != cluster.timezone.description {
            add(.warning, "timezone \(zone), cluster file says \(cluster.timezone)")
        }
        if let quorum = facts.quorum, !quorum.quorate {
            add(.critical, "cluster not quorate (\(quorum.totalVotes) of \(quorum.expectedVotes) expected votes)")
        }
        if let skew = facts.ceph?.clockSkew {
            let detail = skew.details.isEmpty ? "" : ": " + skew.details.joined(separator: "; ")
            add(.critical, "Ceph reports MON_CLOCK_SKEW (\(skew.summary))\(detail)")
        }
        findings += authenticationFindings(facts, in: cluster)
        for line in facts.foreignSources {
            add(.warning, "foreign time source outside Meridian's plan: \(line)")
        }
        if facts.firewall == .blocked && cluster.isTimeServer(name) {
            add(.critical, "firewall blocks NTP (UDP 123) on a time server")
            serves = false
        }
        var verdict = NodeVerdict(node: name, findings: findings)
        verdict.serves = serves
        return verdict
    }

    static func clientSources(_ name: String, _ tracking: ChronyTracking, _ sources: ChronySources?, _ servers: Set<String>) -> [Finding] {
        var findings: [Finding] = []
        guard let sources else { return [Finding(.unknown, "\(name): no chrony sources report")] }
        let silent = sources.sources.filter(\.neverHeard)
        let silentText = silent.map { "\($0.address) unreachable (reach \(String($0.reach, radix: 8)))" }.joined(separator: ", ")
        guard let selected = sources.selected else {
            let states = sources.sources.filter { !$0.neverHeard }.map { "\($0.address) \($0.state.label)" }
            let detail = (silent.isEmpty ? [] : [silentText]) + states
            findings.append(Finding(.critical, "\(name): no selectable source" + (detail.isEmpty ? " (no sources configured)" : "; " + detail.joined(separator: ", "))))
            return findings
        }
        if !servers.contains(selected.address) {
            findings.append(Finding(.critical, "\(name): selected source \(selected.address) is not one of the cluster's time servers"))
        } else if selected.stratum != serverStratum || tracking.stratum != selected.stratum + 1 {
            findings.append(Finding(.warning, "\(name): follows \(selected.address) at stratum \(selected.stratum) (own stratum \(tracking.stratum)); expected \(serverStratum) and \(serverStratum + 1)"))
        } else {
            findings.append(Finding(.ok, "\(name): synchronised to \(selected.address) (stratum \(selected.stratum))"))
        }
        if selected.reach == 0 {
            let age = selected.lastRxSeconds.map { " for \($0) s" } ?? ""
            findings.append(Finding(.warning, "\(name): its selected source \(selected.address) has not answered\(age) (reach 0); chrony runs on its last estimate"))
        } else if !silent.isEmpty {
            findings.append(Finding(.warning, "\(name): \(silentText)"))
        }
        for source in sources.sources where !servers.contains(source.address) && !source.neverHeard && source.state != .selected {
            findings.append(Finding(.warning, "\(name): extra source \(source.address) (\(source.state.label)) is not a cluster time server"))
        }
        return findings
    }

    static func offsetFindings(_ name: String, chrony: Double?, measured: Double?, against: String?,
                               cluster: ClusterFile, tolerance: String) -> [Finding] {
        func judge(_ offset: Double) -> Severity {
            abs(offset) > cluster.maxOffsetSeconds ? .critical : abs(offset) > cluster.warningOffsetSeconds ? .warning : .ok
        }
        func words(_ offset: Double) -> String { "\(Durations.duration(abs(offset))) \(offset >= 0 ? "fast" : "slow")" }
        var findings: [Finding] = []
        if let chrony {
            findings.append(Finding(judge(chrony), "\(name): chrony says \(words(chrony)) (tolerance \(tolerance))"))
        }
        if let measured {
            let reference = against.map { " of \($0)" } ?? ""
            findings.append(Finding(judge(measured), "\(name): \(words(measured))\(reference) (tolerance \(tolerance))"))
        }
        return findings
    }

    /// Every node's verdict, plus what only shows across nodes: one timezone everywhere, and a
    /// node of the cluster file that reported nothing.
    public static func evaluate(cluster facts: [NodeFacts], in cluster: ClusterFile) -> ClusterVerdict {
        var verdicts = facts.map { evaluate($0, in: cluster) }
        var findings: [Finding] = []
        // With 2-3 time servers, one that does not serve leaves the cluster served by the others:
        // the cluster is degraded (warning), not down, as long as one of them serves.
        let serving = verdicts.filter { $0.serves && $0.severity != .critical }.map(\.node)
        if !serving.isEmpty {
            for index in verdicts.indices where cluster.isTimeServer(verdicts[index].node) && !verdicts[index].serves
                && verdicts[index].severity == .critical {
                verdicts[index].redundant = true
                findings.append(Finding(.warning, "time server \(verdicts[index].node) does not serve; \(serving.joined(separator: ", ")) still serve\(serving.count == 1 ? "s" : "")"))
            }
        }
        authenticationFailures(facts, &verdicts, in: cluster)
        let zones = Dictionary(grouping: facts.compactMap { f in f.timezone.map { (f.node, $0) } }, by: \.1)
        if zones.count > 1 {
            let list = zones.keys.sorted().map { zone in "\(zone): \(zones[zone, default: []].map(\.0).sorted().joined(separator: ", "))" }
            findings.append(Finding(.warning, "timezones differ across nodes (\(list.joined(separator: "; ")))"))
        }
        let reported = Set(facts.map(\.node))
        for node in cluster.nodes where !reported.contains(node.name.description) {
            findings.append(Finding(.unknown, "\(node.name): no facts collected"))
        }
        return ClusterVerdict(nodes: verdicts, clusterFindings: findings)
    }
}
