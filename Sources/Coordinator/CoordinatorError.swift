/// Errors of the coordinator layer. The message names the node, the file or the step.
public struct CoordinatorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
