import SecureTransport
import Testing
import TestSupport

/// The PKI's failure paths: each one used to free an OpenSSL object and then let its owner free
/// it again (or leaked it). Under `swift test --sanitize=address` a second free aborts the run,
/// so these tests also prove that every object has one owner.
@Suite(.offPool) struct PKIFailurePathTests {
    /// A CA key that does not match ca.pem: the authority is refused after both were parsed.
    @Test func caKeyOfAnotherAuthorityIsRefusedByName() throws {
        let pki = try TestPKI(clusterName: "ours")
        let other = try TestPKI(clusterName: "theirs")
        try pki.directory.write("ca.key", readText(other.path + "/ca.key"))
        let error = #expect(throws: TransportError.self) { try pki.issueAgent("pve1") }
        #expect(error?.description.contains("ca.key does not belong to") == true)
        #expect(throws: TransportError.self) { try PKI.revoke(serialHex: "0A", in: pki.path) }
        let node = try TemporaryDirectory("meridian-node")
        let request = try PKI.createAgentRequest(node: "pve1", address: "10.0.0.1", keyPath: node.file("agent.key"), renew: false)
        #expect(throws: TransportError.self) { _ = try PKI.signAgentRequest(request, node: "pve1", address: "10.0.0.1", in: pki.path) }
    }

    @Test(arguments: [
        ("ca.pem", "not a certificate\n", "cannot read certificate"),
        ("ca.key", "-----BEGIN " + "PRIVATE KEY-----\nAAAA\n-----END " + "PRIVATE KEY-----\n", "cannot read private key"),  // a PEM shell, no key in it
    ])
    func unreadableAuthorityFileIsNamed(file: String, content: String, expected: String) throws {
        let pki = try TestPKI()
        try pki.directory.write(file, content)
        let error = #expect(throws: TransportError.self) { try pki.issueAgent("pve1") }
        #expect(error?.description.contains(expected) == true)
        #expect(error?.description.contains(pki.path + "/" + file) == true)
    }

    @Test func unreadableInputsAreRefusedWithoutCrashing() throws {
        let pki = try TestPKI()
        let node = try TemporaryDirectory("meridian-node")
        try node.write("agent.key", "garbage")
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.createAgentRequest(node: "pve1", address: "10.0.0.1", keyPath: node.file("agent.key"), renew: false)
        }
        #expect(error?.description.contains("agent.key") == true)
        #expect(throws: TransportError.self) { _ = try PKI.serial(ofCertificatePEM: "garbage") }
        #expect(!PKI.isCurrentAgentCertificate("garbage", node: "pve1", address: "10.0.0.1", requestPEM: "garbage", caPath: pki.ca))
        // A half request: a valid PEM header around bytes that are no request.
        let broken = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"
        #expect(throws: TransportError.self) { _ = try PKI.signAgentRequest(broken, node: "pve1", address: "10.0.0.1", in: pki.path) }
    }

    @Test func brokenRevocationListIsNamedWhenTheContextIsBuilt() throws {
        let pki = try TestPKI()
        try pki.directory.write("crl.pem", "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n")
        var configuration = pki.coordinatorTLS()
        configuration.crlPath = pki.path + "/crl.pem"
        let error = #expect(throws: TransportError.self) { _ = try TLSContext(configuration) }
        #expect(error?.description.contains("revocation list \(pki.path)/crl.pem") == true)
    }
}
