import ClockSync
import Coordinator
import JSONCore

/// The state an alert is about: the four verdicts of `meridian status` plus "unreachable" (a node
/// whose agent did not answer), the one a watcher cares about most.
public enum AlertState: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case ok, warning, critical, unknown, unreachable
    public var description: String { rawValue }
    public var isOK: Bool { self == .ok }
}

/// One node's figures from one survey: what the history keeps and the metrics expose.
public struct NodeSample: Sendable, Equatable {
    public var node: String
    /// Seconds since the epoch of the survey.
    public var time: Double
    /// Meridian's own measurement against the time server (0 for the reference server itself).
    public var offsetSeconds: Double?
    public var chronyOffsetSeconds: Double?
    public var rootDelaySeconds: Double?
    public var rootDispersionSeconds: Double?
    public var stratum: Int?
    /// The selected source's address, "LOCAL" for a server on its own clock.
    public var source: String?
    public var synced: Bool
    public var reachable: Bool
    public var state: AlertState
    public var reasons: [String]
    /// Ceph's skew for this node's monitor (`ceph time-sync-status`, the leader's measurement),
    /// where a node reported one.
    public var cephSkewSeconds: Double?

    public init(node: String, time: Double, offsetSeconds: Double? = nil, chronyOffsetSeconds: Double? = nil,
                rootDelaySeconds: Double? = nil, rootDispersionSeconds: Double? = nil, stratum: Int? = nil,
                source: String? = nil, synced: Bool, reachable: Bool, state: AlertState, reasons: [String],
                cephSkewSeconds: Double? = nil) {
        self.node = node; self.time = time; self.offsetSeconds = offsetSeconds
        self.chronyOffsetSeconds = chronyOffsetSeconds; self.rootDelaySeconds = rootDelaySeconds
        self.rootDispersionSeconds = rootDispersionSeconds; self.stratum = stratum; self.source = source
        self.synced = synced; self.reachable = reachable; self.state = state; self.reasons = reasons
        self.cephSkewSeconds = cephSkewSeconds
    }

    /// Chrony's root distance: root delay / 2 + root dispersion (what chrony selects sources by).
    public var rootDistanceSeconds: Double? {
        guard let delay = rootDelaySeconds, let dispersion = rootDispersionSeconds else { return nil }
        return delay / 2 + dispersion
    }
}

extension StatusReport {
    /// Every node's sample from this report, taken at `time` (seconds since the epoch).
    public func samples(at time: Double) -> [NodeSample] {
        let statusJSON = json.objectValue?["nodes"]?.arrayValue ?? []
        return nodes.enumerated().map { index, report in
            let entry = index < statusJSON.count ? statusJSON[index].objectValue ?? [:] : [:]
            let tracking = report.parsed.tracking
            let severity = verdict(of: report.name)?.severity ?? .unknown
            let state: AlertState = report.reachable ? AlertState(rawValue: severity.description) ?? .unknown : .unreachable
            return NodeSample(
                node: report.name, time: time,
                offsetSeconds: entry["offset_seconds"]?.doubleValue,
                chronyOffsetSeconds: tracking?.offsetSeconds,
                rootDelaySeconds: tracking?.rootDelaySeconds,
                rootDispersionSeconds: tracking?.rootDispersionSeconds,
                stratum: tracking?.stratum,
                source: entry["source"]?.stringValue,
                synced: entry["synced"]?.boolValue ?? false,
                reachable: report.reachable,
                state: state,
                reasons: (verdict(of: report.name)?.problems ?? []).map(\.message),
                cephSkewSeconds: cephMonitor(report.name)?.skewSeconds)
        }
    }

    /// The cluster's state: its verdict, or unreachable when no node answered.
    public var clusterState: AlertState {
        if !nodes.isEmpty && nodes.allSatisfy({ !$0.reachable }) { return .unreachable }
        return AlertState(rawValue: severity.description) ?? .unknown
    }
}
