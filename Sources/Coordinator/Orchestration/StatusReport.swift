import ClockSync
import JSONCore

/// `meridian status`: every node's state and verdict, and the cluster's worst.
public struct StatusReport: Sendable {
    public var cluster: ClusterFile
    public var nodes: [NodeReport]
    public var verdict: ClusterVerdict
    /// The reference time server's clock minus this machine's (nil when it is unreachable).
    public var timeServerOffsetFromHere: Double?
    public var extraFindings: [Finding]

    public var severity: Severity { Severity.worst([verdict.severity] + extraFindings.map(\.severity)) }

    public init(cluster: ClusterFile, nodes: [NodeReport]) {
        self.cluster = cluster
        self.nodes = nodes
        verdict = Verdict.evaluate(cluster: nodes.map(\.parsed), in: cluster)
        let server = nodes.first { $0.isTimeServer && $0.offsetFromHere != nil }
        timeServerOffsetFromHere = server?.offsetFromHere
        extraFindings = []
        // A time server on its local clock serves whatever that clock says; only a clock outside
        // the cluster (this machine's, when meridian runs elsewhere) can show it is wrong.
        if let server, let offset = server.offsetFromHere, abs(offset) > 1.0 {
            extraFindings.append(Finding(.warning, "\(server.name) (time server) is \(Durations.duration(abs(offset))) \(offset > 0 ? "fast" : "slow") of the machine running meridian; if that machine is right, `meridian clock set --from-here` fixes the cluster"))
        }
    }

    public func verdict(of node: String) -> NodeVerdict? { verdict.nodes.first { $0.node == node } }

    /// The Ceph monitor named as `node`, as the first node whose agent ran `ceph time-sync-status`
    /// reported it (every monitor node answers with the leader's one view).
    public func cephMonitor(_ node: String) -> CephTimeSync.Monitor? {
        nodes.lazy.compactMap { $0.parsed.cephTimeSync?.monitor(node) }.first
    }

    /// Whether any node reported Ceph's time checks (the table then has a CEPH column).
    public var hasCephTimeSync: Bool { nodes.contains { $0.parsed.cephTimeSync != nil } }

    /// The `--json` shape (documented in protocol/status.schema.json).
    public var json: JSONValue {
        var nodes: [[String: JSONValue]] = []
        for report in self.nodes {
            let nodeVerdict = verdict(of: report.name)
            let tracking = report.parsed.tracking
            let selected = report.parsed.sources?.selected
            var entry: [String: JSONValue] = [
                "name": .string(report.name), "address": .string(report.node.address.description),
                "role": .string(report.isTimeServer ? "server" : "client"),
                "reachable": .bool(report.reachable),
                "verdict": .string(nodeVerdict?.severity.description ?? "unknown"),
                "synced": .bool(isSynced(report)),
                "reasons": .array((nodeVerdict?.problems ?? []).map { .string($0.message) }),
            ]
            entry["offset_seconds"] = report.parsed.measuredOffsetSeconds.map(JSONValue.number) ?? (report.isTimeServer && report.reachable ? .number(0) : .null)
            entry["offset_from_here_seconds"] = report.offsetFromHere.map(JSONValue.number) ?? .null
            entry["chrony_offset_seconds"] = tracking.map { .number($0.offsetSeconds) } ?? .null
            entry["stratum"] = tracking.map { .integer(Int64($0.stratum)) } ?? .null
            entry["leap"] = tracking.map { .string($0.leapStatus.rawValue) } ?? .null
            entry["source"] = selected.map { .string($0.address) } ?? (tracking?.isLocalReference == true ? .string("LOCAL") : .null)
            entry["timezone"] = report.parsed.timezone.map(JSONValue.string) ?? .null
            // Whether chrony authenticates the selected source (a server on its local clock has
            // none: null, like an unknown).
            entry["authenticated"] = Verdict.selectedSourceIsAuthenticated(report.parsed).map(JSONValue.bool) ?? .null
            entry["error"] = report.error.map(JSONValue.string) ?? .null
            entry["ceph_skew_seconds"] = cephMonitor(report.name).map { .number($0.skewSeconds) } ?? .null
            nodes.append(entry)
        }
        return .object([
            "ok": .bool(severity == .ok),
            "verdict": .string(severity.description),
            "cluster": .string(cluster.name),
            "ntp_auth": .string(cluster.ntpAuth.rawValue),
            "nodes": .array(nodes.map(JSONValue.object)),
            "cluster_reasons": .array((verdict.clusterFindings + extraFindings).filter { $0.severity != .ok }.map { .string($0.message) }),
            "time_server_offset_from_here_seconds": timeServerOffsetFromHere.map(JSONValue.number) ?? .null,
        ])
    }

    /// A client has selected a time server, or chronyd is synchronised to one (its tracking
    /// reference) while it reselects, as it does for a moment when `keys rotate` swaps a source
    /// to its new key; a server serves (LOCAL or a fellow server).
    func isSynced(_ report: NodeReport) -> Bool {
        guard let tracking = report.parsed.tracking else { return false }
        if report.isTimeServer { return tracking.isLocalReference || tracking.isSynchronised }
        let servers = Set(cluster.timeServerNodes.map(\.address.description))
        if tracking.isSynchronised && servers.contains(tracking.referenceName) { return true }
        return report.parsed.sources?.selected.map { servers.contains($0.address) } ?? false
    }
}
