import HostSystem
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// The agent against misbehaving clients, over real TLS on loopback: each is answered or dropped
/// with the reason, and the agent keeps serving a proper client afterwards.
@Suite(.offPool) final class AgentServerTests {
    let pki: TestPKI
    let server: AgentServer

    init() throws {
        pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        var config = AgentConfiguration(node: "pve1", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.idleTimeoutSeconds = 1
        config.handshakeTimeoutSeconds = 1
        config.maxFrameBytes = 4096
        server = try AgentServer(configuration: config)
        try server.start()
    }

    deinit { server.stop() }

    /// A TLS connection as coordinator, for sending arbitrary bytes.
    func rawSession() throws -> FramedConnection {
        FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                   expectedNode: "pve1", timeout: .seconds(5)), maxPayload: 1 << 20)
    }

    func call(_ framed: FramedConnection, _ text: String) throws -> RPCResponse {
        try framed.writeFrame(Array(text.utf8), timeout: .seconds(5))
        let payload = try #require(try framed.readFrame(timeout: .seconds(5)))
        return try RPCCodec.decodeResponse(payload)
    }

    static let hello = #"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"test","protocol_versions":[2]}}"#

    func greeted() throws -> FramedConnection {
        let framed = try rawSession()
        let answer = try call(framed, Self.hello)
        let result = try RPCCodec.decode(HelloResult.self, from: try answer.outcome.get())
        #expect(result.node == "pve1")
        return framed
    }

    func errorCode(_ response: RPCResponse) -> Int? {
        if case .failure(let error) = response.outcome { return error.code }
        return nil
    }

    /// The agent is still healthy: a fresh client gets hello and ping answered.
    func expectStillServing() throws {
        let framed = try greeted()
        defer { framed.close() }
        let ping = try call(framed, #"{"jsonrpc":"2.0","id":2,"method":"agent.ping"}"#)
        #expect(try RPCCodec.decode(PingResult.self, from: ping.outcome.get()).node == "pve1")
    }

    // Every method's round trip (answers and the commands behind them): AgentMethodTests.

    @Test func zeroLengthFrameIsAnsweredThenClosed() throws {
        let framed = try greeted()
        try framed.connection.write([0, 0, 0, 0], timeout: .seconds(5))
        let answer = try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(5))))
        #expect(errorCode(answer) == RPCError.emptyFrame)
        #expect(try framed.readFrame(timeout: .seconds(5)) == nil)
        try expectStillServing()
    }

    @Test func oversizedLengthIsAnsweredThenClosed() throws {
        let framed = try greeted()
        try framed.connection.write([0, 0x10, 0, 0], timeout: .seconds(5))  // 1 MiB > 4096 limit
        let answer = try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(5))))
        #expect(errorCode(answer) == RPCError.frameTooLarge)
        #expect(try framed.readFrame(timeout: .seconds(5)) == nil)
        try expectStillServing()
    }

    @Test func truncatedFrameIsDroppedAfterTheIdleTimeout() throws {
        let framed = try greeted()
        try framed.connection.write([0, 0, 0, 50, UInt8(ascii: "{")], timeout: .seconds(5))
        let start = ContinuousClock.now
        // nil (not a read timeout) means the agent closed it: its 1 s idle timeout fired inside
        // our generous 30 s read (no upper wall-clock bound: the machine may be loaded).
        #expect(try framed.readFrame(timeout: .seconds(30)) == nil)
        let waited = ContinuousClock.now - start
        // The idle timeout is 1 s, counted from before our write: never closed early.
        #expect(waited >= .milliseconds(800), "closed after \(waited), before the 1 s idle timeout")
        try expectStillServing()
    }

    @Test func aNotificationGetsNoAnswer() throws {
        let framed = try greeted()
        defer { framed.close() }
        try framed.writeFrame(Array(#"{"jsonrpc":"2.0","method":"agent.ping"}"#.utf8), timeout: .seconds(5))
        let next = try call(framed, #"{"jsonrpc":"2.0","id":5,"method":"agent.ping"}"#)
        #expect(next.id == .number(5), "the first frame back answers the request, not the notification")
    }

    /// One request with an extreme clock value used to kill the whole agent.
    @Test(arguments: ["9223372036854775807", "-9223372036854775808", "946684799", "7258118401", "-1"])
    func setClockOutsideTheSettableRangeIsRefused(sec: String) throws {
        let framed = try greeted()
        defer { framed.close() }
        let answer = try call(framed, #"{"jsonrpc":"2.0","id":7,"method":"time.set_clock","params":{"time":{"sec":\#(sec),"nsec":0}}}"#)
        guard case .failure(let error) = answer.outcome else { Issue.record("accepted sec \(sec)"); return }
        #expect(error.code == RPCError.invalidParams)
        #expect(error.message.contains("\"time.sec\"") && error.message.contains("2000-01-01"), "\(error.message)")
        try expectStillServing()
    }

    @Test(arguments: [
        ("invalid UTF-8", [0xC3, 0x28] as [UInt8], RPCError.parseError),
        ("not JSON", Array("{\"jsonrpc\"".utf8), RPCError.parseError),
        ("JSON that is not an object", Array("[1]".utf8), RPCError.invalidRequest),
        ("unknown method", Array(#"{"jsonrpc":"2.0","id":3,"method":"agent.reboot"}"#.utf8), RPCError.methodNotFound),
        ("bad params", Array(#"{"jsonrpc":"2.0","id":3,"method":"time.probe","params":{"client_send":"now"}}"#.utf8), RPCError.invalidParams),
    ])
    func badRequestIsAnsweredAndTheConnectionStays(name: String, payload: [UInt8], code: Int) throws {
        let framed = try greeted()
        defer { framed.close() }
        try framed.writeFrame(payload, timeout: .seconds(5))
        let answer = try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(5))))
        #expect(errorCode(answer) == code, "\(name)")
        let ping = try call(framed, #"{"jsonrpc":"2.0","id":4,"method":"agent.ping"}"#)
        #expect(ping.id == .number(4), "\(name): connection still usable")
    }

    @Test func requestBeforeHelloIsRefused() throws {
        let framed = try rawSession()
        let answer = try call(framed, #"{"jsonrpc":"2.0","id":1,"method":"agent.ping"}"#)
        #expect(errorCode(answer) == RPCError.notHelloFirst)
        #expect(try framed.readFrame(timeout: .seconds(5)) == nil)
    }

    @Test func unsupportedProtocolVersionIsNamed() throws {
        let framed = try rawSession()
        let answer = try call(framed, #"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"9","protocol_versions":[7,8]}}"#)
        #expect(errorCode(answer) == RPCError.unsupportedVersion)
    }

    @Test func plaintextClientIsDroppedAndAgentGoesOn() throws {
        let plain = try PlainConnection.connect(to: server.localEndpoint, timeout: .seconds(5))
        try plain.write(Array("{\"jsonrpc\":\"2.0\"}\n".utf8), timeout: .seconds(5))
        // A TLS alert at most, never a JSON-RPC answer in plaintext; then the agent closes.
        let reply = try TLSRecords.readUntilClosed { try plain.read(maxBytes: 1024, timeout: .seconds(5)) }
        #expect(TLSRecords.isOnlyAlerts(reply), "the agent sent \(reply.count) bytes that are not TLS alerts: \(reply.prefix(16))")
        plain.close()
        try expectStillServing()
    }

    /// Bound by events, not the clock: this agent keeps silent connections for 10 minutes, so a
    /// real client that had to wait for them to be dropped would hit its own 5 s read timeout.
    @Test func manyIdleConnectionsDoNotStarveARealClient() throws {
        var config = AgentConfiguration(node: "pve1", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.idleTimeoutSeconds = 600
        config.handshakeTimeoutSeconds = 600
        let patient = try AgentServer(configuration: config)
        try patient.start()
        defer { patient.stop() }
        var idle: [PlainConnection] = []
        for _ in 0..<200 { idle.append(try PlainConnection.connect(to: patient.localEndpoint, timeout: .seconds(5))) }
        defer { idle.forEach { $0.close() } }
        let framed = FramedConnection(try TLSConnection.connect(to: patient.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                                expectedNode: "pve1", timeout: .seconds(5)), maxPayload: 1 << 20)
        defer { framed.close() }
        _ = try call(framed, Self.hello)
        let ping = try call(framed, #"{"jsonrpc":"2.0","id":2,"method":"agent.ping"}"#)
        #expect(try RPCCodec.decode(PingResult.self, from: ping.outcome.get()).node == "pve1", "answered while 200 idle connections are open")
    }
}
