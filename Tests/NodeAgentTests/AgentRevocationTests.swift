import HostSystem
import NodeAgent
import RPCServer
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// `meridian ca revoke coordinator` while a coordinator's connection to the agent is open: the
/// agent answers that connection's next request -32011 "forbidden", closes it, and refuses the
/// next handshake; a CRL change that lists someone else leaves the session alone. Real TLS on
/// 127.0.0.1, the agent in this process.
@Suite(.offPool) struct AgentRevocationTests {
    @Test func aCoordinatorRevokedMidSessionIsRefusedAtItsNextRequest() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        _ = try PKI.issueOperator(name: "ops1", readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: true)
        var config = AgentConfiguration(node: "pve1", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.crlPath = PKI.revocationListPath(in: pki.path)
        let server = try AgentServer(configuration: config)
        try server.start()
        defer { server.stop() }

        let framed = FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                                expectedNode: "pve1", timeout: .seconds(5)))
        defer { framed.close() }
        func call(_ id: Int, _ method: String, params: String = "") throws -> RPCResponse {
            let text = #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)"\#(params)}"#
            try framed.writeFrame(Array(text.utf8), timeout: .seconds(5))
            let payload = try #require(try framed.readFrame(timeout: .seconds(5)), "no answer to \(method)")
            return try RPCCodec.decodeResponse(payload)
        }
        _ = try call(1, "agent.hello", params: #","params":{"coordinator_version":"test","protocol_versions":[2]}"#).outcome.get()
        _ = try call(2, "agent.ping").outcome.get()

        // Another certificate revoked: the CRL changed, this session is not in it.
        _ = try PKI.revoke(name: "ops1", in: pki.path)
        #expect(try call(3, "agent.ping").outcome.get()["node"]?.stringValue == "pve1")

        _ = try PKI.revoke(name: "coordinator", in: pki.path)
        let refused = try call(4, "agent.ping")
        guard case .failure(let error) = refused.outcome else {
            Issue.record("a revoked coordinator's request was answered: \(refused)")
            return
        }
        #expect(error.code == RPCServer.forbidden)
        #expect(error.message.contains("revoked"), "\(error.message)")
        // Then the connection ends: the next read sees the close, not a timeout.
        do {
            #expect(try framed.readFrame(timeout: .seconds(5)) == nil, "a frame after the refusal")
        } catch let error as TransportError {
            #expect(error.kind != .timedOut, "the connection stayed open after the refusal")
        }

        // And a new connection does not get past its handshake and hello.
        let again = Result { () throws -> Bool in
            let fresh = FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                                   expectedNode: "pve1", timeout: .seconds(5)))
            defer { fresh.close() }
            let hello = #"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"test","protocol_versions":[2]}}"#
            try fresh.writeFrame(Array(hello.utf8), timeout: .seconds(5))
            return try fresh.readFrame(timeout: .seconds(5)) != nil
        }
        #expect((try? again.get()) != true, "a revoked coordinator connected again")
    }
}
