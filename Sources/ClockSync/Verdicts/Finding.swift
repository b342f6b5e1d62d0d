/// One thing Meridian found, in words a person understands.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public var severity: Severity
    public var message: String
    public init(_ severity: Severity, _ message: String) { self.severity = severity; self.message = message }
    public var description: String { "\(severity): \(message)" }
}
