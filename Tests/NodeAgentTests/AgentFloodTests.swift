import Glibc
import HostSystem
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// 1000 concurrent connections of three kinds against one agent, and a legitimate client still
/// answered. The bound here is generous (10 s); scripts/bench.sh prints the real figure.
@Suite(.serialized, .offPool) struct AgentFloodTests {
    static func raiseDescriptorLimit(to wanted: rlim_t) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// The first bytes of a TLS ClientHello record: the agent's handshake waits for the rest.
    static let partialClientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]

    @Test func aThousandConnectionsAndAPingStillAnswers() throws {
        Self.raiseDescriptorLimit(to: 8192)
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        var config = AgentConfiguration(node: "pve1", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.maxConnections = 300
        config.idleTimeoutSeconds = 120
        config.handshakeTimeoutSeconds = 120
        let server = try AgentServer(configuration: config)
        try server.start()
        defer { server.stop() }
        let context = try TLSContext(pki.coordinatorTLS())
        let hello = Array(#"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"test","protocol_versions":[2]}}"#.utf8)

        var authenticated: [FramedConnection] = []
        var plain: [PlainConnection] = []
        defer { authenticated.forEach { $0.close() }; plain.forEach { $0.close() } }
        for _ in 0..<250 {
            let framed = FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: context, expectedNode: "pve1", timeout: .seconds(30)))
            try framed.writeFrame(hello, timeout: .seconds(30))
            _ = try #require(try framed.readFrame(timeout: .seconds(30)))
            authenticated.append(framed)
        }
        for index in 0..<750 {
            let source = "127.0.0.\(2 + index / 10)"
            let connection = try PlainConnection.connect(to: server.localEndpoint, from: source, timeout: .seconds(30))
            if index % 2 == 1 { try? connection.write(Self.partialClientHello, timeout: .seconds(5)) }
            plain.append(connection)
        }
        #expect(authenticated.count + plain.count == 1000)

        let start = ContinuousClock.now
        let framed = FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: context, expectedNode: "pve1", timeout: .seconds(10)))
        defer { framed.close() }
        try framed.writeFrame(hello, timeout: .seconds(10))
        let answer = try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(10))))
        #expect(try RPCCodec.decode(HelloResult.self, from: answer.outcome.get()).node == "pve1")
        try framed.writeFrame(Array(#"{"jsonrpc":"2.0","id":2,"method":"agent.ping"}"#.utf8), timeout: .seconds(10))
        _ = try #require(try framed.readFrame(timeout: .seconds(10)))
        #expect(ContinuousClock.now - start < .seconds(10), "hello + ping answered during the flood")
        #expect(server.authenticatedConnections == 251)
        #expect(server.activeConnections <= 251 + 2 * config.maxHandshakes)
    }
}
