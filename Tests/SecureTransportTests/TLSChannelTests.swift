import SecureTransport
import Testing
import TestSupport

@Suite("TLS channel over loopback", .offPool)
struct TLSChannelTests {
    @Test func echoRoundTripWithMutualAuthentication() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        #expect(try echo("hello", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "pve1") == "hello")
        #expect(try echo("by address", to: server.endpoint, with: pki.coordinatorTLS()) == "by address")
        let peer = try #require(server.recordedPeers.first)
        #expect(peer.role == .coordinator)
        #expect(server.recordedFailures.isEmpty)
    }

    @Test func clientSeesAgentIdentity() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let connection = try TLSConnection.connect(to: server.endpoint, context: TLSContext(pki.coordinatorTLS()), expectedNode: "pve1", timeout: .seconds(5))
        defer { connection.close() }
        let peer = try #require(connection.peer)
        #expect(peer.commonName == "pve1")
        #expect(peer.role == .agent)
        #expect(peer.dnsNames == ["pve1"])
        #expect(peer.ipAddresses == ["127.0.0.1"])
    }

    @Test func largeWritesArriveWhole() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let connection = try TLSConnection.connect(to: server.endpoint, context: TLSContext(pki.coordinatorTLS()), timeout: .seconds(5))
        defer { connection.close() }
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try connection.write(payload, timeout: .seconds(10))
        var received: [UInt8] = []
        while received.count < payload.count {
            let chunk = try connection.read(maxBytes: 65536, timeout: .seconds(10))
            if chunk.isEmpty { break }
            received += chunk
        }
        #expect(received == payload)
    }

    @Test func agentCertificateForAnotherNodeIsWrongNode() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve2", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve2"))
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "pve1") } == .wrongNode)
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "127.0.0.9") } == .wrongNode)
    }

    @Test func coordinatorFromAnotherClusterIsUnknownCA() throws {
        let pki = try TestPKI(clusterName: "ours")
        let other = try TestPKI(clusterName: "theirs")
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        // Our CA file but their coordinator certificate: the agent refuses it.
        var foreign = other.coordinatorTLS()
        foreign.caPath = pki.ca
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: foreign) } == .unknownCA)
        #expect(server.waitForFailure().map { $0.kind } == .verification(.unknownCA))
        // The agent still serves a proper coordinator afterwards.
        #expect(try echo("still here", to: server.endpoint, with: pki.coordinatorTLS()) == "still here")
    }

    @Test func agentFromAnotherClusterIsUnknownCA() throws {
        let pki = try TestPKI(clusterName: "ours")
        let other = try TestPKI(clusterName: "theirs")
        try other.issueAgent("pve1", address: "127.0.0.1")
        var impostor = other.agentTLS("pve1")
        impostor.caPath = pki.ca
        let server = try EchoServer(impostor)
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS()) } == .unknownCA)
    }

    @Test func agentCertificateUsedAsCoordinatorIsWrongRole() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        try pki.issueAgent("pve2", address: "127.0.0.2")
        let server = try EchoServer(pki.agentTLS("pve1"))
        var stolen = pki.agentTLS("pve2")
        stolen.role = .coordinator
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: stolen) } == .wrongRole)
        #expect(server.waitForFailure().map { $0.kind } == .verification(.wrongRole))
    }

    @Test func coordinatorCertificateServingAsAgentIsWrongRole() throws {
        let pki = try TestPKI()
        var wrong = pki.coordinatorTLS()
        wrong.role = .agent
        let server = try EchoServer(wrong)
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "coordinator") } == .wrongRole)
    }

    @Test func silentClientTimesOutWithoutBlockingOthers() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"), handshakeTimeout: .seconds(3))  // generous: a loaded machine
        let silent = try RawTCP(server.endpoint)
        #expect(try echo("meanwhile", to: server.endpoint, with: pki.coordinatorTLS()) == "meanwhile")
        #expect(server.waitForFailure().map { $0.kind } == .timedOut)
        silent.close()
    }

    @Test func plaintextClientIsRefusedAndServerGoesOn() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let plain = try RawTCP(server.endpoint)
        try plain.send(Array("GET / HTTP/1.0\r\n\r\n".utf8))
        // The server may send an alert, never an answer in plaintext; then it closes.
        let reply = try TLSRecords.readUntilClosed { try plain.receive() }
        #expect(TLSRecords.isOnlyAlerts(reply), "the server sent \(reply.count) bytes that are not TLS alerts: \(reply.prefix(16))")
        #expect(server.waitForFailure().map { $0.kind } == .tls)
        plain.close()
        #expect(try echo("after plaintext", to: server.endpoint, with: pki.coordinatorTLS()) == "after plaintext")
    }

    @Test func nothingListeningIsConnectFailed() throws {
        let pki = try TestPKI()
        let error = #expect(throws: TransportError.self) {
            _ = try TLSConnection.connect(to: Endpoint(host: "127.0.0.1", port: 1), context: TLSContext(pki.coordinatorTLS()), timeout: .seconds(2))
        }
        #expect(error?.kind == .connectFailed)
        #expect(error?.description.contains("127.0.0.1:1") == true)
    }

    @Test func missingFilesAreNamedInTheError() throws {
        let pki = try TestPKI()
        var configuration = pki.coordinatorTLS()
        configuration.keyPath = pki.path + "/absent.key"
        let error = #expect(throws: TransportError.self) { _ = try TLSContext(configuration) }
        #expect(error?.kind == .config)
        #expect(error?.description.contains("absent.key") == true)
    }
}
