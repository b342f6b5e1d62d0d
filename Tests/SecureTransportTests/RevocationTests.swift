import SecureTransport
import Testing
import TestSupport

/// certs/README.md "Revocation", without root or a deployed cluster: a certificate listed in
/// the cluster's CRL is refused by the side that loaded the CRL, and both sides name it.
@Suite(.offPool) struct RevocationTests {
    @Test func agentRefusesARevokedCoordinator() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let old = pki.coordinatorTLS()
        try PKI.revoke(serialHex: PKI.serial(ofCertificatePEM: readText(old.certificatePath)), in: pki.path)
        var agent = pki.agentTLS("pve1")
        agent.crlPath = PKI.revocationListPath(in: pki.path)
        let server = try EchoServer(agent)
        let error = #expect(throws: TransportError.self) { _ = try echo("x", to: server.endpoint, with: old) }
        #expect(error?.kind == .verification(.revoked))
        #expect(error?.description.contains("certificate revoked") == true)
        #expect(server.waitForFailure().map(\.kind) == .verification(.revoked))
        // A new coordinator certificate, not on the list, is served by the same agent.
        _ = try PKI.issueCoordinator(name: "coordinator", in: pki.path, force: true)
        #expect(try echo("new", to: server.endpoint, with: pki.coordinatorTLS()) == "new")
    }

    @Test func coordinatorRefusesARevokedAgent() throws {
        let pki = try TestPKI()
        let retired = try pki.issueAgent("pve1", address: "127.0.0.1")
        try pki.issueAgent("pve2", address: "127.0.0.1")
        try PKI.revoke(serialHex: PKI.serial(ofCertificatePEM: readText(retired.certificate)), in: pki.path)
        var coordinator = pki.coordinatorTLS()
        coordinator.crlPath = PKI.revocationListPath(in: pki.path)
        let stolen = try EchoServer(pki.agentTLS("pve1"))
        let error = #expect(throws: TransportError.self) { _ = try echo("x", to: stolen.endpoint, with: coordinator, expectedNode: "pve1") }
        #expect(error?.kind == .verification(.revoked))
        #expect(error?.description.contains("certificate revoked") == true)
        #expect(stolen.waitForFailure().map(\.kind) == .verification(.revoked))
        // The CRL lists only pve1: pve2 is accepted with the same coordinator context.
        let current = try EchoServer(pki.agentTLS("pve2"))
        #expect(try echo("fine", to: current.endpoint, with: coordinator, expectedNode: "pve2") == "fine")
    }
}
