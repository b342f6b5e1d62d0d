import SecureTransport
import WireProtocol

/// Maps JSON-RPC methods to the agent's fixed set of handlers. Nothing here runs a command that a
/// request names: every method is one of `Method`'s cases, with typed params.
struct RequestRouter: Sendable {
    let node: String
    let startedAt: ContinuousClock.Instant

    static let capabilities = Method.allCases.map(\.rawValue)

    /// Answers one request. `received` is the wall-clock time the frame was read (t2 of a probe).
    func respond(to request: RPCRequest, received: Timestamp) -> Result<JSONValue, RPCError> {
        guard let method = Method(rawValue: request.method) else {
            return .failure(RPCError(code: RPCError.methodNotFound, message: "unknown method \"\(request.method)\"",
                                     data: .object(["known": .array(Self.capabilities.map { .string($0) })])))
        }
        do {
            switch method {
            case .hello:
                let params = try RPCCodec.decode(HelloParams.self, from: request.params)
                guard let version = ProtocolVersion.negotiate(offered: params.protocolVersions) else {
                    return .failure(RPCError(
                        code: RPCError.unsupportedVersion,
                        message: "no common protocol version: offered \(params.protocolVersions), supported \(Array(ProtocolVersion.supported))",
                        data: .object(["supported": .array(ProtocolVersion.supported.map { .integer(Int64($0)) })])))
                }
                return .success(try RPCCodec.encode(HelloResult(
                    node: node, agentVersion: MeridianVersion.current, protocolVersion: version,
                    capabilities: Self.capabilities)))
            case .ping:
                let uptime = ContinuousClock.now - startedAt
                let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
                return .success(try RPCCodec.encode(PingResult(node: node, uptimeSeconds: seconds)))
            case .probe:
                _ = try RPCCodec.decode(ProbeParams.self, from: request.params ?? .object([:]))
                return .success(try RPCCodec.encode(ProbeResult(receive: received, send: WallClock.now())))
            }
        } catch {
            return .failure(error)
        }
    }
}
