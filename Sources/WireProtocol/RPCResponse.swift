/// A JSON-RPC 2.0 answer: a result or an error, for the request with `id`.
public struct RPCResponse: Sendable, Equatable {
    /// nil when the request could not be read far enough to know its id.
    public var id: RPCID?
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RPCID?, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }
}
