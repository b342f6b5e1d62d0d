import HostSystem
import SecureTransport
import WireProtocol

/// Serves one accepted connection on its own thread: handshake, hello first, then requests until
/// the peer closes, stays silent past the idle timeout, or breaks the framing.
struct ConnectionSession: Sendable {
    let connection: TLSConnection
    let configuration: AgentConfiguration
    let router: RequestRouter
    let log: @Sendable (String) -> Void

    func run() {
        defer { connection.close() }
        do {
            try connection.handshake(timeout: .seconds(configuration.handshakeTimeoutSeconds))
        } catch {
            log("rejected \(connection.remoteDescription): \(error)")
            return
        }
        let framed = FramedConnection(connection, maxPayload: configuration.maxFrameBytes)
        let idle = Duration.seconds(configuration.idleTimeoutSeconds)
        var greeted = false
        while true {
            let payload: [UInt8]
            do {
                guard let frame = try framed.readFrame(timeout: idle) else { return }
                payload = frame
            } catch let error as FrameError {
                // The stream can no longer be trusted: answer once, then close.
                let code = error.kind == .zeroLength ? RPCError.emptyFrame : RPCError.frameTooLarge
                send(RPCResponse(id: nil, outcome: .failure(RPCError(code: code, message: error.description))), on: framed)
                log("closed \(connection.remoteDescription): \(error)")
                return
            } catch {
                log("closed \(connection.remoteDescription): \(error)")
                return
            }
            let received = WallClock.now()
            let request: RPCRequest
            switch RPCCodec.decodeRequest(payload) {
            case .success(let decoded):
                request = decoded
            case .failure(let failure):
                guard send(RPCResponse(id: failure.id, outcome: .failure(failure.error)), on: framed) else { return }
                continue
            }
            if !greeted && request.method != Method.hello.rawValue {
                send(RPCResponse(id: request.id, outcome: .failure(RPCError(
                    code: RPCError.notHelloFirst,
                    message: "the first request on a connection must be agent.hello, got \"\(request.method)\""))), on: framed)
                return
            }
            let outcome = router.respond(to: request, received: received)
            if request.method == Method.hello.rawValue, case .success = outcome { greeted = true }
            guard request.id != nil else { continue }  // a notification gets no answer
            guard send(RPCResponse(id: request.id, outcome: outcome), on: framed) else { return }
        }
    }

    @discardableResult
    private func send(_ response: RPCResponse, on framed: FramedConnection) -> Bool {
        do {
            try framed.writeFrame(RPCCodec.encodeResponse(response), timeout: .seconds(configuration.idleTimeoutSeconds))
            return true
        } catch {
            log("cannot answer \(connection.remoteDescription): \(error)")
            return false
        }
    }
}
