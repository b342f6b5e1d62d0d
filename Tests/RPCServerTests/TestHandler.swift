import Glibc
import HostSystem
import RPCServer
import SecureTransport
import Synchronization
import TestSupport
import WireProtocol

/// A trivial API for the generic server: `api.hello`, `echo` (params back), `whoami` (the peer),
/// `ticks` (after its answer, another thread pushes `count` notifications `tick` {n}), `flood`
/// (another thread pushes 1 KiB notifications until the session drops them) and records of
/// what happened, for the tests to wait on.
final class TestHandler: Sendable {
    struct Flood: Sendable, Equatable {
        var pushed = 0
        var slowestPush: Duration = .zero
        var refused = false
        var finishedAt: ContinuousClock.Instant?
    }

    let closed = Mutex(0)
    let flood = Mutex(Flood())

    var handler: RPCHandler {
        { [self] call in respond(call) }
    }

    private func respond(_ call: RPCCall) -> Result<JSONValue, RPCError> {
        let session = call.session
        switch call.request.method {
        case "api.hello":
            session.onClose { [self] in closed.withLock { $0 += 1 } }
            return .success(.object(["hello": .string("test")]))
        case "subscribe":
            session.holdOpen()
            return .success(.object([:]))
        case "echo":
            return .success(call.request.params ?? .null)
        case "whoami":
            return .success(.object(["name": .string(session.peer.name), "role": session.peer.role.map { .string($0.rawValue) } ?? .null,
                                     "read_only": .bool(session.peer.isReadOnly)]))
        case "ticks":
            let count = call.request.params?["count"]?.intValue ?? 0
            session.whenAnswered {
                try? DedicatedThread.start(name: "ticks") {
                    for n in 0..<count { session.push(method: "tick", params: .object(["n": .integer(n)])) }
                }
            }
            return .success(.object(["ticks": .integer(count)]))
        case "flood":
            session.whenAnswered { [self] in
                try? DedicatedThread.start(name: "flood") { [self] in pushUntilRefused(session) }
            }
            return .success(.object([:]))
        default:
            return .failure(RPCError(code: RPCError.methodNotFound, message: "method not found: \(call.request.method)"))
        }
    }

    private func pushUntilRefused(_ session: RPCSession) {
        let text = JSONValue.string(String(repeating: "x", count: 1024))
        for _ in 0..<200_000 {
            let started = ContinuousClock.now
            let accepted = session.push(method: "blob", params: .object(["data": text]))
            let took = ContinuousClock.now - started
            flood.withLock { state in
                state.slowestPush = max(state.slowestPush, took)
                if accepted { state.pushed += 1 } else { state.refused = true }
            }
            if !accepted { break }
        }
        flood.withLock { $0.finishedAt = .now }
    }

    /// Waits (bounded) until `condition` holds.
    func wait(timeout: Duration = .seconds(30), until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            ChildProcess.sleep(.milliseconds(5))
        }
        return true
    }
}

/// An API-role server (the node certificate, operator peers) on 127.0.0.1 with a `TestHandler`.
final class APIServerFixture {
    let pki: TestPKI
    let handler = TestHandler()
    let server: RPCServer

    init(limits: RPCServerLimits = RPCServerLimits(), crl: Bool = false) throws {
        pki = try TestPKI()
        try pki.issueAgent("master", address: "127.0.0.1")
        _ = try PKI.issueOperator(name: "ops", readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: true)
        _ = try PKI.issueOperator(name: "viewer", readOnly: true, certificates: pki.path, outputDirectory: pki.path, force: true)
        server = try Self.makeServer(pki, limits: limits, handler: handler)
    }

    static func makeServer(_ pki: TestPKI, limits: RPCServerLimits, handler: TestHandler) throws -> RPCServer {
        var tls = pki.agentTLS("master")
        tls.peer = .operators
        tls.crlPath = PKI.revocationListPath(in: pki.path)
        let server = try RPCServer(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(tls), limits: limits,
                                   name: "API", helloMethod: "api.hello", handler: handler.handler)
        try server.start()
        return server
    }

    deinit { server.stop() }

    func operatorTLS(_ name: String, readOnly: Bool = false) -> TLSConfiguration {
        TLSConfiguration(caPath: pki.ca, certificatePath: "\(pki.path)/\(name).pem", keyPath: "\(pki.path)/\(name).key",
                         role: readOnly ? .operatorReadOnly : .operator)
    }

    func connect(as name: String = "ops", readOnly: Bool = false) throws -> FramedConnection {
        guard let endpoint = server.localEndpoint else { throw TransportError(.config, "no endpoint") }
        return FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(operatorTLS(name, readOnly: readOnly)),
                                                          expectedNode: "master", timeout: .seconds(10)))
    }
}

/// Requests and replies over a `FramedConnection`, one frame at a time.
extension FramedConnection {
    static let hello = #"{"jsonrpc":"2.0","id":1,"method":"api.hello","params":{"client_version":"test","protocol_versions":[1]}}"#

    func send(_ text: String) throws { try writeFrame(Array(text.utf8), timeout: .seconds(10)) }

    /// The next frame as a JSON object; nil when the server closed the connection.
    func receive(timeout: Duration = .seconds(10)) throws -> JSONValue? {
        guard let payload = try readFrame(timeout: timeout) else { return nil }
        return try JSONValue(parsing: payload)
    }

    func call(_ text: String) throws -> JSONValue? {
        try send(text)
        return try receive()
    }
}
