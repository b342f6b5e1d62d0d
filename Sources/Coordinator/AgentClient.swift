import ClockSync
import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// A blocking JSON-RPC client for one agent. Use it from a dedicated thread (see `FanOut`).
///
/// A TLS 1.3 client can finish its handshake before the agent has checked (and rejected) our
/// certificate; the rejection only shows on the first read. So a connection counts as up only
/// once the `agent.hello` answer has arrived.
///
/// Sendable: the request id counter sits in a `Mutex`, and the connection is a `FramedConnection`
/// (one request at a time; callers keep a client on one thread, as `FanOut` does).
public final class AgentClient: Sendable {
    public let hello: HelloResult
    public let endpoint: Endpoint
    private let framed: FramedConnection
    private let nextID: Mutex<Int64>

    private init(endpoint: Endpoint, framed: FramedConnection, hello: HelloResult, nextID: Int64) {
        self.endpoint = endpoint; self.framed = framed; self.hello = hello; self.nextID = Mutex(nextID)
    }

    public static func connect(
        to endpoint: Endpoint, expectedNode: String?, context: TLSContext, timeout: Duration
    ) throws -> AgentClient {
        let connection: TLSConnection
        do {
            connection = try TLSConnection.connect(to: endpoint, context: context, expectedNode: expectedNode, timeout: timeout)
        } catch {
            // Say which timeout ran out (the configured one), where the step's message does not.
            guard error.kind == .timedOut, !error.detail.contains("timeout") else { throw error }
            throw TransportError(.timedOut, "\(error.detail) (timeout \(Durations.duration(timeout.seconds)))")
        }
        let framed = FramedConnection(connection)
        let params = HelloParams(coordinatorVersion: MeridianVersion.current, protocolVersions: Array(ProtocolVersion.supported))
        let hello: HelloResult
        do {
            hello = try exchange(framed, id: 1, method: .hello, params: RPCCodec.encode(params), timeout: timeout, endpoint: endpoint)
        } catch {
            framed.close()
            throw error
        }
        // An agent that "chose" a version we never offered is old, broken or not an agent at all:
        // name both sides' versions so the fix (install the same version) is obvious.
        guard params.protocolVersions.contains(hello.protocolVersion) else {
            framed.close()
            throw CoordinatorError(.agent, "\(endpoint): agent chose protocol version \(hello.protocolVersion), which we did not offer; "
                + ProtocolVersion.mismatch(coordinator: MeridianVersion.current, offered: params.protocolVersions,
                                           agent: hello.agentVersion, supported: [hello.protocolVersion]))
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
        let id = nextID.withLock { value in
            defer { value = value == .max ? 1 : value + 1 }
            return value
        }
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
            do {
                return try RPCCodec.decode(Result.self, from: value)
            } catch {
                throw CoordinatorError(.agent, "\(endpoint): answer to \(method.rawValue) is malformed: \(error.message.replacingPrefix("invalid params: ", with: ""))")
            }
        }
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}

/// The agent answered a call with a JSON-RPC error; `error.data` may carry evidence.
public struct AgentCallError: Error, CustomStringConvertible, Sendable {
    public var endpoint: Endpoint
    public var method: String
    public var error: RPCError
    public var description: String { "\(endpoint): \(method) failed: \(error.message) (code \(error.code))" }
}
