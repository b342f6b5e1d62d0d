/// The cluster's judgement: every node's verdict and what only shows across nodes.
public struct ClusterVerdict: Sendable, Equatable {
    public var nodes: [NodeVerdict]
    public var clusterFindings: [Finding]
    /// From the nodes' weights (`NodeVerdict.clusterSeverity`) and the cross-node findings.
    public var severity: Severity { Severity.worst(nodes.map(\.clusterSeverity) + clusterFindings.map(\.severity)) }
}
