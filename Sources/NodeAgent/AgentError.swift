/// Errors of the agent layer: configuration, startup, actions. The message names what was wrong.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
