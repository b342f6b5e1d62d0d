import ClockSync
import SecureTransport
import WireProtocol

/// A blocking JSON-RPC client for one agent. Use it from a dedicated thread (see `FanOut`).
///
/// A TLS 1.3 client can finish its handshake before the agent has checked (and rejected) our
/// certificate; the rejection only shows on the first read. So a connection counts as up only
/// once the `agent.hello` answer has arrived.
public final class AgentClient: @unchecked Sendable {
    public let hello: HelloResult
    public let endpoint: Endpoint
    private let framed: FramedConnection
    private var nextID: Int64 = 1

    private init(endpoint: Endpoint, framed: FramedConnection, hello: HelloResult, nextID: Int64) {
        self.endpoint = endpoint; self.framed = framed; self.hello = hello; self.nextID = nextID
    }

    public static func connect(
        to endpoint: Endpoint, expectedNode: String?, context: TLSContext, timeout: Duration
    ) throws -> AgentClient {
        let connection = try TLSConnection.connect(to: endpoint, context: context, expectedNode: expectedNode, timeout: timeout)
        let framed = FramedConnection(connection)
        let params = HelloParams(coordinatorVersion: MeridianVersion.current, protocolVersions: Array(ProtocolVersion.supported))
        let hello: HelloResult
        do {
            hello = try exchange(framed, id: 1, method: .hello, params: RPCCodec.encode(params), timeout: timeout, endpoint: endpoint)
        } catch {
            framed.close()
            throw error
        }
        guard ProtocolVersion.supported.contains(hello.protocolVersion) else {
            framed.close()
            throw CoordinatorError(.agent, "\(endpoint): " + ProtocolVersion.mismatch(
                coordinator: MeridianVersion.current, offered: ProtocolVersion.supported, agent: hello.agentVersion, supported: [hello.protocolVersion]))
        }
        if let expectedNode, hello.node != expectedNode, hello.node.lowercased() != expectedNode.lowercased(),
           IPAddress(expectedNode) == nil {
            framed.close()
            throw CoordinatorError(.agent, "\(endpoint): agent says it is \"\(hello.node)\", expected \"\(expectedNode)\"")
        }
        return AgentClient(endpoint: endpoint, framed: framed, hello: hello, nextID: 2)
    }

    /// One request, one answer, with a deadline for the whole exchange.
    public func call<Result: Decodable>(
        _ method: Method, params: some Encodable, timeout: Duration, as type: Result.Type = Result.self
    ) throws -> Result {
        let id = nextID
        nextID += 1
        return try Self.exchange(framed, id: id, method: method, params: RPCCodec.encode(params), timeout: timeout, endpoint: endpoint)
    }

    public func close() { framed.close() }

    private static func exchange<Result: Decodable>(
        _ framed: FramedConnection, id: Int64, method: Method, params: JSONValue, timeout: Duration, endpoint: Endpoint
    ) throws -> Result {
        let request = RPCRequest(id: .number(id), method: method.rawValue, params: params)
        try framed.writeFrame(RPCCodec.encodeRequest(request), timeout: timeout)
        guard let payload = try framed.readFrame(timeout: timeout) else {
            throw TransportError(.closed, "\(endpoint) closed the connection before answering \(method.rawValue)")
        }
        let response = try RPCCodec.decodeResponse(payload)
        switch response.outcome {
        case .failure(let error):
            throw AgentCallError(endpoint: endpoint, method: method.rawValue, error: error)
        case .success(let value):
            guard response.id == .number(id) else {
                throw CoordinatorError(.agent, "\(endpoint): answer to \(method.rawValue) carries id \(response.id.map(\.description) ?? "null"), expected \(id)")
            }
            return try RPCCodec.decode(Result.self, from: value)
        }
    }
}

/// The agent answered a call with a JSON-RPC error; `error.data` may carry evidence.
public struct AgentCallError: Error, CustomStringConvertible, Sendable {
    public var endpoint: Endpoint
    public var method: String
    public var error: RPCError
    public var description: String { "\(endpoint): \(method) failed: \(error.message) (code \(error.code))" }
}
