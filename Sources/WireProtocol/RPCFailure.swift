/// A request that could not be accepted, with its id when it could be recovered so the error
/// answer can carry it.
public struct RPCFailure: Error, Sendable, Equatable {
    public var id: RPCID?
    public var error: RPCError

    public init(id: RPCID?, error: RPCError) {
        self.id = id
        self.error = error
    }
}
