/// Errors of the agent layer: configuration, startup, actions. A kind to match, and a detail
/// that names the file, the field or the command.
public struct AgentError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong. A message that used to be `AgentError("…")` maps by its subject: the
    /// config file is absent → `notFound`; cannot be read → `io`; is not JSON or not an object →
    /// `invalidJSON`; a field is unknown, missing, of the wrong type or out of range →
    /// `invalidField`; the `commands` section → `invalidCommand`; an action or startup step that
    /// failed on the node → `action`.
    public enum Kind: Equatable, Sendable {
        case notFound
        case io
        case invalidJSON
        case invalidField
        case invalidCommand
        case action
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
