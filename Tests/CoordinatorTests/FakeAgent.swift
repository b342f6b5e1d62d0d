import HostSystem
import SecureTransport
import Synchronization
import TestSupport
import WireProtocol

/// A TLS server with an agent certificate that answers each request with whatever the test
/// crafts: the coordinator's view of a broken or hostile agent.
final class FakeAgent: Sendable {
    typealias Answer = @Sendable (RPCRequest) -> Result<JSONValue, RPCError>
    let listener: TLSListener
    private let stopped = Mutex(false)

    init(_ configuration: TLSConfiguration, answer: @escaping Answer) throws {
        listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(configuration))
        try DedicatedThread.start(name: "fake-accept") { [self] in
            while !stopped.withLock({ $0 }) {
                guard let connection = try? listener.accept(timeout: .milliseconds(50)) else { continue }
                try? DedicatedThread.start(name: "fake-conn") {
                    defer { connection.close() }
                    guard (try? connection.handshake(timeout: .seconds(5))) != nil else { return }
                    let framed = FramedConnection(connection)
                    while let payload = try? framed.readFrame(timeout: .seconds(5)), case .success(let request) = RPCCodec.decodeRequest(payload) {
                        let response = RPCResponse(id: request.id, outcome: answer(request))
                        guard (try? framed.writeFrame(RPCCodec.encodeResponse(response), timeout: .seconds(5))) != nil else { return }
                    }
                }
            }
            listener.close()
        }
    }

    var target: String { "127.0.0.1:\(listener.localEndpoint.port)" }

    func stop() { stopped.withLock { $0 = true } }
    deinit { stop() }

    /// A hello answer choosing `version`, then probe answers from `probe`.
    static func answering(node: String, version: Int = ProtocolVersion.current, probe: @escaping @Sendable () -> ProbeResult) -> Answer {
        { request in
            switch request.method {
            case Method.hello.rawValue:
                return Result { () throws(RPCError) -> JSONValue in
                    try RPCCodec.encode(HelloResult(node: node, agentVersion: "fake", protocolVersion: version, capabilities: []))
                }
            case Method.probe.rawValue:
                return Result { () throws(RPCError) -> JSONValue in try RPCCodec.encode(probe()) }
            default:
                return .failure(RPCError.methodNotFound(request.method))
            }
        }
    }
}
