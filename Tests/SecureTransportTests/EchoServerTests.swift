import SecureTransport
import Testing
import TestSupport

/// The test helper itself: a released echo server must not leave its listener behind.
@Suite(.offPool) struct EchoServerTests {
    @Test func releasingTheServerClosesItsListener() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        var server: EchoServer? = try EchoServer(pki.agentTLS("pve1"))
        let endpoint = try #require(server?.endpoint)
        #expect(try echo("up", to: endpoint, with: pki.coordinatorTLS()) == "up")
        server = nil  // deinit stops the accept thread and waits for the listener to close
        let error = #expect(throws: TransportError.self) { _ = try PlainConnection.connect(to: endpoint, timeout: .seconds(5)) }
        #expect(error?.kind == .connectFailed, "nothing listens on \(endpoint) any more")
    }
}
