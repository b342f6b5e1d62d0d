import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// A TLS server with an agent certificate that answers every request correctly, each just
/// before the caller's per-call timeout: no single call times out, yet a survey of it takes
/// about six calls' worth. Only a per-node deadline keeps it from stalling a survey.
final class SlowAgent: Sendable {
    let listener: TLSListener
    let delay: Duration
    private let stopped = Mutex(false)
    let requests = Mutex(0)

    init(_ configuration: TLSConfiguration, node: String, at endpoint: Endpoint, delay: Duration) throws {
        listener = try TLSListener(endpoint: endpoint, context: TLSContext(configuration))
        self.delay = delay
        try DedicatedThread.start(name: "slow-accept") { [self] in
            while !stopped.withLock({ $0 }) {
                guard let connection = try? listener.accept(timeout: .milliseconds(50)) else { continue }
                try? DedicatedThread.start(name: "slow-conn") { [self] in
                    defer { connection.close() }
                    guard (try? connection.handshake(timeout: .seconds(5))) != nil else { return }
                    let framed = FramedConnection(connection)
                    while let payload = try? framed.readFrame(timeout: .seconds(30)), case .success(let request) = RPCCodec.decodeRequest(payload) {
                        requests.withLock { $0 += 1 }
                        ChildProcess.sleep(delay)
                        let response = RPCResponse(id: request.id, outcome: Self.answer(request, node: node))
                        guard (try? framed.writeFrame(RPCCodec.encodeResponse(response), timeout: .seconds(5))) != nil else { return }
                    }
                }
            }
            listener.close()
        }
    }

    func stop() { stopped.withLock { $0 = true } }
    deinit { stop() }

    static func answer(_ request: RPCRequest, node: String) -> Result<JSONValue, RPCError> {
        Result { () throws(RPCError) -> JSONValue in
            switch request.method {
            case Method.hello.rawValue:
                return try RPCCodec.encode(HelloResult(node: node, agentVersion: "slow", protocolVersion: ProtocolVersion.current, capabilities: []))
            case Method.facts.rawValue:
                return try RPCCodec.encode(FactsResult(node: node, hostname: node))
            case Method.probe.rawValue:
                let now = WallClock.now()
                return try RPCCodec.encode(ProbeResult(receive: now, send: now))
            default:
                throw RPCError.methodNotFound(request.method)
            }
        }
    }
}
