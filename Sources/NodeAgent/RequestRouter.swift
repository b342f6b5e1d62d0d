import HostSystem
import SecureTransport
import WireProtocol

/// Maps JSON-RPC methods to the agent's fixed set of handlers. Nothing here runs a command that a
/// request names: every method is one of `Method`'s cases with typed params, and every command
/// comes from the agent's own config.
struct RequestRouter: Sendable {
    let node: String
    let startedAt: ContinuousClock.Instant
    let facts: FactsAction
    let chrony: ChronyApplyAction
    let time: TimeActions

    static let capabilities = Method.allCases.map(\.rawValue)

    init(configuration: AgentConfiguration, startedAt: ContinuousClock.Instant) {
        node = configuration.node
        self.startedAt = startedAt
        let files = ManagedFiles(root: configuration.root)
        let runner = CommandRunner()
        facts = FactsAction(node: node, commands: configuration.commands, files: files, runner: runner)
        chrony = ChronyApplyAction(node: node, commands: configuration.commands, files: files, local: configuration.chrony, runner: runner,
                                   maxWaitSeconds: configuration.syncTimeoutSeconds)
        time = TimeActions(commands: configuration.commands, files: files, runner: runner, facts: facts)
    }

    /// Answers one request. `received` is the wall-clock time the frame was read (t2 of a probe).
    func respond(to request: RPCRequest, received: Timestamp) -> Result<JSONValue, RPCError> {
        guard let method = Method(rawValue: request.method) else {
            return .failure(RPCError(code: RPCError.methodNotFound, message: "method not found: \(request.method)",
                                     data: .object(["known": .array(Self.capabilities.map { .string($0) })])))
        }
        do {
            switch method {
            case .hello:
                let params = try RPCCodec.decode(HelloParams.self, from: request.params)
                guard let version = ProtocolVersion.negotiate(offered: params.protocolVersions) else {
                    return .failure(RPCError(
                        code: RPCError.unsupportedVersion,
                        message: ProtocolVersion.mismatch(coordinator: params.coordinatorVersion, offered: params.protocolVersions,
                                                          agent: MeridianVersion.current, supported: ProtocolVersion.supported),
                        data: .object(["supported": .array(ProtocolVersion.supported.map { .integer(Int64($0)) })])))
                }
                return .success(try RPCCodec.encode(HelloResult(
                    node: node, agentVersion: MeridianVersion.current, protocolVersion: version,
                    capabilities: Self.capabilities)))
            case .ping:
                return .success(try RPCCodec.encode(PingResult(node: node, uptimeSeconds: (ContinuousClock.now - startedAt).seconds)))
            case .probe:
                _ = try RPCCodec.decode(ProbeParams.self, from: request.params ?? .object([:]))
                return .success(try RPCCodec.encode(ProbeResult(receive: received, send: WallClock.now())))
            case .facts:
                return .success(try RPCCodec.encode(facts.run()))
            case .applyChrony:
                return .success(try RPCCodec.encode(try chrony.run(try RPCCodec.decode(ChronyApplyParams.self, from: request.params))))
            case .previewChrony:
                return .success(try RPCCodec.encode(try chrony.preview(try RPCCodec.decode(ChronyPreviewParams.self, from: request.params))))
            case .setTimezone:
                return .success(try RPCCodec.encode(try time.setTimezone(try RPCCodec.decode(TimezoneParams.self, from: request.params))))
            case .syncRTC:
                return .success(try RPCCodec.encode(try time.syncRTC()))
            case .setClock:
                return .success(try RPCCodec.encode(try time.setClock(try RPCCodec.decode(SetClockParams.self, from: request.params))))
            case .restartService:
                return .success(try RPCCodec.encode(try time.restart(try RPCCodec.decode(ServiceParams.self, from: request.params))))
            case .quorum:
                return .success(try RPCCodec.encode(facts.quorum() ?? facts.runner.run(facts.commands.quorumStatus, timeout: .seconds(10))))
            case .openNTP:
                return .success(try RPCCodec.encode(try time.openNTP(try RPCCodec.decode(OpenNTPParams.self, from: request.params))))
            case .disableTimeDaemons:
                return .success(try RPCCodec.encode(try time.disableOtherTimeDaemons()))
            }
        } catch {
            return .failure(error)
        }
    }
}
