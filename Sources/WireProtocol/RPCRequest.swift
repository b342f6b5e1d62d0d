/// A JSON-RPC 2.0 request or notification.
public struct RPCRequest: Sendable, Equatable {
    /// nil for a notification, which gets no answer.
    public var id: RPCID?
    public var method: String
    public var params: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }
}
