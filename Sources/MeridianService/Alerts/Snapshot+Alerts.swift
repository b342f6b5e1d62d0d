extension Snapshot {
    /// What the alert engine judges in this survey: the cluster (its state, and its own reasons
    /// — or, when it has none, the reasons of the nodes that are not ok, so a cluster event says
    /// why) and every node (its state and reasons).
    public var alertObservations: [AlertEngine.Observation] {
        // The `cluster_reasons` of `meridian status --json`.
        let clusterReasons = (status.verdict.clusterFindings + status.extraFindings).filter { $0.severity != .ok }.map(\.message)
        let clusterState = status.clusterState
        let nodeReasons = samples.filter { !$0.state.isOK }.flatMap { sample in
            sample.reasons.isEmpty ? ["\(sample.node): \(sample.state)"] : sample.reasons
        }
        let cluster = AlertEngine.Observation(node: nil, state: clusterState,
                                              reasons: clusterReasons.isEmpty && !clusterState.isOK ? nodeReasons : clusterReasons)
        return [cluster] + samples.map { AlertEngine.Observation(node: $0.node, state: $0.state, reasons: $0.reasons) }
    }
}
