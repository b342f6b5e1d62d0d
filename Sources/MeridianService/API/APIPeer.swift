/// Who is on the other end of an API connection, as the transport established it: an operator
/// certificate (CN, read-only or not) over TLS, or a local user over the root-only Unix socket.
public struct APIPeer: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case `operator`(name: String)
        case readOnlyOperator(name: String)
        case local(uid: UInt32)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// Read-only operators may read everything and change nothing (`cluster.apply`, `clock.set`).
    public var isReadOnly: Bool {
        if case .readOnlyOperator = kind { return true }
        return false
    }

    /// The role's name as `api.hello` and the forbidden error give it.
    public var role: String {
        switch kind {
        case .operator: "operator"
        case .readOnlyOperator: "read-only operator"
        case .local: "local"
        }
    }

    /// `operator alice`, `read-only operator bob`, `local uid 0`: also the `started_by` of jobs.
    public var description: String {
        switch kind {
        case .operator(let name): "operator \(name)"
        case .readOnlyOperator(let name): "read-only operator \(name)"
        case .local(let uid): "local uid \(uid)"
        }
    }
}
