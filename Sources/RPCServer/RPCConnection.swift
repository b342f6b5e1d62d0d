import ClockSync
import HostSystem
import SecureTransport
import WireProtocol

/// Serves one authenticated connection on its own thread: hello first, then requests until the
/// peer closes, stays silent past the idle timeout, or breaks the framing. (`RPCServer` runs
/// the handshake and decides whether the connection gets a session or a "busy" answer.)
struct RPCConnection: Sendable {
    let session: RPCSession
    let server: RPCServer.Settings
    let budget: FrameBudget
    let log: @Sendable (String) -> Void

    /// How long a frame may wait for the memory budget before it is answered "busy".
    static let budgetWait = Duration.seconds(1)

    func run() {
        defer { session.end() }
        let budget = budget
        var reader = FrameReader(
            stream: session.stream, maxPayload: server.limits.maxFrameBytes, timeoutName: "idle timeout",
            reserve: { length, deadline in
                let cost = budget.cost(of: length)
                return budget.reserve(cost, until: min(deadline, ContinuousClock.now + Self.budgetWait)) ? cost : nil
            },
            release: { budget.release($0) })
        let idle = Duration.seconds(server.limits.idleTimeoutSeconds)
        let held = Duration.seconds(max(server.limits.idleTimeoutSeconds, server.limits.heldIdleTimeoutSeconds))
        var greeted = false
        while true {
            let payload: [UInt8]
            let reserved: Int
            do {
                switch try reader.next(timeout: session.isHeldOpen ? held : idle) {
                case .closed:
                    return
                case .skipped(let length):
                    let busy = RPCError(code: RPCError.busy, message: "busy: a frame of \(length) bytes would exceed the \(server.name)'s memory budget for frames in flight (max_buffered_bytes = \(budget.limit)); it was skipped, retry later")
                    log("skipped a \(length)-byte frame from \(session.remoteDescription): memory budget full")
                    guard send(RPCResponse(id: nil, outcome: .failure(busy))) else { return }
                    continue
                case .frame(let bytes, let cost):
                    payload = bytes
                    reserved = cost
                }
            } catch let error as FrameError {
                // The stream can no longer be trusted: answer once, then close.
                let code = error.kind == .zeroLength ? RPCError.emptyFrame : RPCError.frameTooLarge
                send(RPCResponse(id: nil, outcome: .failure(RPCError(code: code, message: error.description))))
                log("closed \(session.remoteDescription): \(error)")
                return
            } catch {
                if session.isOpen { log("closed \(session.remoteDescription): \(error)") }
                return
            }
            defer { reader.release(reserved) }
            guard handle(payload, greeted: &greeted) else { return }
        }
    }

    /// Answers one payload; false when the connection must close.
    private func handle(_ payload: [UInt8], greeted: inout Bool) -> Bool {
        let received = WallClock.now()
        let request: RPCRequest
        switch RPCCodec.decodeRequest(payload) {
        case .success(let decoded):
            request = decoded
        case .failure(let failure):
            return send(RPCResponse(id: failure.id, outcome: .failure(failure.error)))
        }
        if !greeted && request.method != server.helloMethod {
            send(RPCResponse(id: request.id, outcome: .failure(RPCError(
                code: RPCError.notHelloFirst,
                message: "the first request on a connection must be \(server.helloMethod), got \"\(request.method)\""))))
            return false
        }
        let outcome = server.handler(RPCCall(request: request, received: received, session: session))
        if request.method == server.helloMethod, case .success = outcome { greeted = true }
        // A notification gets no answer; hooks waiting for the answer run all the same.
        let kept = request.id == nil || send(RPCResponse(id: request.id, outcome: outcome))
        if kept { session.runAfterAnswer() }
        return kept
    }

    @discardableResult
    private func send(_ response: RPCResponse) -> Bool {
        session.send(RPCCodec.encodeResponse(response))
    }
}
