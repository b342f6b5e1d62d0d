/// The judgement of one node: its findings, and whether (as a time server) it serves.
public struct NodeVerdict: Sendable, Equatable {
    public var node: String
    public var findings: [Finding]
    /// A time server that serves time (its local clock, or a fellow server in orphan mode).
    public var serves = false
    /// A time server that does not serve while another one does: its own verdict stays, but it
    /// weighs as a warning in the cluster's (the clients still have time).
    public var redundant = false
    public var severity: Severity { findings.isEmpty ? .ok : Severity.worst(findings.map(\.severity)) }
    /// What this node adds to the cluster's verdict.
    public var clusterSeverity: Severity { redundant && severity == .critical ? .warning : severity }
    /// The problems only (ok findings are context).
    public var problems: [Finding] { findings.filter { $0.severity != .ok } }
}
