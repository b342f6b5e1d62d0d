import HostSystem
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// The agent's limits, over real TLS on loopback: a full agent answers "busy", unauthenticated
/// sockets never lock out an authenticated peer, frames in flight stay within the memory budget.
@Suite(.serialized, .offPool) final class AgentLimitsTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
    }

    func startAgent(_ adjust: (inout AgentConfiguration) -> Void) throws -> AgentServer {
        var config = AgentConfiguration(node: "pve1", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.idleTimeoutSeconds = 5
        config.handshakeTimeoutSeconds = 5
        adjust(&config)
        let server = try AgentServer(configuration: config)
        try server.start()
        return server
    }

    func session(_ server: AgentServer) throws -> FramedConnection {
        FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                   expectedNode: "pve1", timeout: .seconds(10)))
    }

    func call(_ framed: FramedConnection, _ text: String) throws -> RPCResponse {
        try framed.writeFrame(Array(text.utf8), timeout: .seconds(10))
        return try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(10))))
    }

    static let hello = #"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"test","protocol_versions":[2]}}"#
    static let ping = #"{"jsonrpc":"2.0","id":2,"method":"agent.ping"}"#

    func greeted(_ server: AgentServer) throws -> FramedConnection {
        let framed = try session(server)
        let answer = try call(framed, Self.hello)
        #expect(try RPCCodec.decode(HelloResult.self, from: answer.outcome.get()).node == "pve1")
        return framed
    }

    func errorOf(_ response: RPCResponse) -> RPCError? {
        if case .failure(let error) = response.outcome { return error }
        return nil
    }

    @Test func aFullAgentAnswersBusyToItsHello() throws {
        let server = try startAgent { $0.maxConnections = 2 }
        defer { server.stop() }
        let held = [try greeted(server), try greeted(server)]
        defer { held.forEach { $0.close() } }
        let third = try session(server)
        defer { third.close() }
        let answer = try call(third, Self.hello)
        #expect(answer.id == .number(1), "the busy answer carries the hello's id")
        #expect(errorOf(answer)?.code == RPCError.busy)
        #expect(errorOf(answer)?.message.contains("busy") == true)
        held[0].close()
        // The slot is free again once the agent has seen the close.
        let deadline = ContinuousClock.now + .seconds(10)
        while server.authenticatedConnections > 1, ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(10)) }
        let again = try greeted(server)
        again.close()
    }

    /// Silent sockets from one address (the coordinator's own, say) and from many others fill the
    /// handshake pool; a real client still gets in, by cutting off the oldest idler.
    @Test func idleSocketsNeverLockOutARealClient() throws {
        // 8 session slots: idle sockets counted against them (the old agent) would fill them six times over.
        let server = try startAgent { $0.maxConnections = 8; $0.maxHandshakes = 8; $0.maxHandshakesPerSource = 3 }
        defer { server.stop() }
        var idle: [PlainConnection] = []
        defer { idle.forEach { $0.close() } }
        for source in ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
            for _ in 0..<10 { idle.append(try PlainConnection.connect(to: server.localEndpoint, from: source, timeout: .seconds(5))) }
        }
        let framed = try greeted(server)
        defer { framed.close() }
        #expect(try call(framed, Self.ping).id == .number(2))
        #expect(server.activeConnections <= 1 + 2 * 8, "handshakes stay bounded: \(server.activeConnections) open")
    }

    /// One frame holds the whole memory budget; a second frame elsewhere waits, then is skipped
    /// and answered "busy" (id null), and its connection stays usable.
    @Test func framesBeyondTheMemoryBudgetAreAnsweredBusy() throws {
        let server = try startAgent { $0.maxBufferedBytes = 64 << 10; $0.maxFrameBytes = 16 << 10 }
        defer { server.stop() }
        let other = try greeted(server)
        defer { other.close() }
        let hog = try greeted(server)
        try hog.connection.write([0, 0, 0x20, 0] + Array(repeating: UInt8(ascii: " "), count: 100), timeout: .seconds(5))  // 8 KiB announced
        let deadline0 = ContinuousClock.now + .seconds(10)
        while server.reservedFrameBytes != 64 << 10, ContinuousClock.now < deadline0 { ChildProcess.sleep(.milliseconds(5)) }
        #expect(server.reservedFrameBytes == 64 << 10, "one announced frame holds the whole budget")
        let padded = #"{"jsonrpc":"2.0","id":3,"method":"agent.ping","params":{}}"# + String(repeating: " ", count: 6000)
        let refused = try call(other, padded)
        #expect(refused.id == nil)
        #expect(errorOf(refused)?.code == RPCError.busy)
        #expect(errorOf(refused)?.message.contains("max_buffered_bytes") == true, "\(String(describing: errorOf(refused)))")
        hog.close()
        let deadline = ContinuousClock.now + .seconds(10)
        var answered = false
        while !answered, ContinuousClock.now < deadline {
            answered = errorOf(try call(other, padded)) == nil
        }
        #expect(answered, "the same connection is served once the budget is free")
    }
}
