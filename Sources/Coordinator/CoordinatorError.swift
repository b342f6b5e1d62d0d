/// Errors of the coordinator layer: a kind a caller (or a test) can match, and a detail that
/// names the node, the file or the step for the person reading it.
public struct CoordinatorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong. A message that used to be `CoordinatorError("…")` maps by its subject:
    /// a flag or request value → `usage`; "does not exist" → `notFound`; "already exists" /
    /// "already running" → `alreadyExists`; "cannot read/write FILE" → `io`; a file whose content
    /// is wrong (cluster file, deploy settings, corosync.conf) → `invalid`; the cluster file
    /// forbids the action → `notAllowed`; an agent's answer → `agent`; ssh → `remote`;
    /// certificates, keys, revocation → `certificates`; a lab process → `lab`.
    public enum Kind: Equatable, Sendable {
        case usage
        case notFound
        case alreadyExists
        case io
        case invalid
        case notAllowed
        case agent
        case remote
        case certificates
        case lab
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
