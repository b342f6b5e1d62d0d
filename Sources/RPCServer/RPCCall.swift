import WireProtocol

/// One decoded request as the handler gets it.
public struct RPCCall: Sendable {
    public let request: RPCRequest
    /// The wall-clock time its frame was read (t2 of the agent's probe).
    public let received: Timestamp
    /// The connection it came on: the peer, pushes, the close callback.
    public let session: RPCSession
}

/// Answers one request; runs on the connection's own thread, so it may block (within reason:
/// the peer waits), but work that outlives the request belongs on a thread of its own, reporting
/// through `RPCSession.push`.
public typealias RPCHandler = @Sendable (RPCCall) -> Result<JSONValue, RPCError>
