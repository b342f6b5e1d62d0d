import Foundation
import SecureTransport
import Testing
import TestSupport

/// certs/README.md "Operators": the API's server (the master's agent certificate, peer policy
/// `.operators`) accepts operator and read-only operator certificates and nothing else, with the
/// rule named; agents refuse operators; the CRL applies; revocation works by name.
@Suite(.offPool) struct OperatorCertificateTests {
    static func apiServer(_ pki: TestPKI, crl: Bool = false) throws -> EchoServer {
        try pki.issueAgent("master", address: "127.0.0.1")
        var tls = pki.agentTLS("master")
        tls.peer = .operators
        if crl { tls.crlPath = PKI.revocationListPath(in: pki.path) }
        return try EchoServer(tls)
    }

    static func issueOperator(_ pki: TestPKI, _ name: String, readOnly: Bool = false) throws -> TLSConfiguration {
        let files = try PKI.issueOperator(name: name, readOnly: readOnly, certificates: pki.path, outputDirectory: pki.path + "/ops",
                                          force: false)
        return TLSConfiguration(caPath: pki.ca, certificatePath: files.certificate, keyPath: files.key, role: readOnly ? .operatorReadOnly : .operator)
    }

    @Test(arguments: [false, true])
    func operatorsAreAccepted(readOnly: Bool) throws {
        let pki = try TestPKI()
        let server = try Self.apiServer(pki)
        let client = try Self.issueOperator(pki, "ci-bot", readOnly: readOnly)
        #expect(try echo("hi", to: server.endpoint, with: client, expectedNode: "master") == "hi")
        let peer = try #require(server.recordedPeers.first)
        #expect(peer.role == (readOnly ? .operatorReadOnly : .operator))
        #expect(peer.commonName == "ci-bot")
        #expect(!peer.isCA)
    }

    /// The coordinator's and an agent's own certificates, each presented to the API, are refused
    /// as the wrong role, and the API names the rule (an agent certificate already fails
    /// OpenSSL's purpose check, before the OU is looked at).
    @Test(arguments: [("coordinator", "its subject lacks OU=meridian-operator or OU=meridian-operator-read-only"),
                      ("agent", "its extended key usage lacks clientAuth")])
    func otherRolesAreRefusedByTheAPI(which: String, reason: String) throws {
        let pki = try TestPKI()
        let server = try Self.apiServer(pki)
        var client = which == "coordinator" ? pki.coordinatorTLS() : pki.agentTLS("master")
        client.role = .operator  // a client context presenting that certificate
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: client, expectedNode: "master") } == .wrongRole)
        let refused = try #require(server.waitForFailure())
        #expect(refused.kind == .verification(.wrongRole))
        #expect(refused.description.contains(reason), "\(refused)")
    }

    @Test func anAgentRefusesAnOperator() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let client = try Self.issueOperator(pki, "ops")
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: client, expectedNode: "pve1") } == .wrongRole)
        let refused = try #require(server.waitForFailure())
        #expect(refused.description.contains("lacks OU=meridian-coordinator"), "\(refused)")
    }

    static let craftedCases: [(name: String, certificate: CraftedCertificate, reason: String)] = [
        ("both operator OUs", CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator/OU=meridian-operator-read-only/CN=ops",
                                                 extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = clientAuth"]),
         "more than one OU"),
        ("operator and coordinator OUs", CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/OU=meridian-operator/CN=ops",
                                                            extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = clientAuth"]),
         "more than one OU"),
        ("no EKU", CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator/CN=ops",
                                      extensions: [CraftedCertificate.leafConstraints, CraftedCertificate.keyUsage]),
         "it has no extended key usage; a operator or operator-read-only certificate needs EKU clientAuth"),
        ("CA:TRUE", CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator-read-only/CN=ops",
                                       extensions: ["basicConstraints = critical,CA:TRUE", "extendedKeyUsage = clientAuth"]),
         "it is a CA certificate"),
        ("serverAuth only", CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator/CN=ops",
                                               extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = serverAuth"]),
         "extended key usage lacks clientAuth"),
        ("role OU spelt differently", CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator-readonly/CN=ops",
                                                         extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = clientAuth"]),
         "its subject lacks OU=meridian-operator or OU=meridian-operator-read-only"),
    ]

    @Test(arguments: craftedCases)
    func theAPIRefusesOperatorCertificatesThatBreakThePolicy(name: String, certificate: CraftedCertificate, reason: String) throws {
        let pki = try TestPKI()
        let server = try Self.apiServer(pki)
        let client = try certificate.issue("crafted", in: pki, role: .operator)
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: client, expectedNode: "master") } == .wrongRole, "\(name)")
        let refused = try #require(server.waitForFailure(), "\(name): no refusal recorded")
        #expect(refused.description.contains(reason), "\(name): \(refused)")
    }

    /// The control for the crafted cases: the same tool with every rule kept is accepted.
    @Test func aCraftedOperatorThatKeepsThePolicyIsAccepted() throws {
        let pki = try TestPKI()
        let server = try Self.apiServer(pki)
        let client = try CraftedCertificate(subject: "/O=Meridian/OU=meridian-operator-read-only/CN=ops",
                                            extensions: [CraftedCertificate.leafConstraints, CraftedCertificate.keyUsage, "extendedKeyUsage = clientAuth"])
            .issue("crafted", in: pki, role: .operatorReadOnly)
        #expect(try echo("kept", to: server.endpoint, with: client, expectedNode: "master") == "kept")
    }

    @Test func aRevokedOperatorIsRefusedAndTheOthersAreNot() throws {
        let pki = try TestPKI()
        let stolen = try Self.issueOperator(pki, "laptop")
        let kept = try Self.issueOperator(pki, "ci-bot", readOnly: true)
        let revocation = try PKI.revoke(name: "laptop", in: pki.path)
        #expect(revocation.serials == [try PKI.serial(ofCertificatePEM: readText(stolen.certificatePath))])
        let server = try Self.apiServer(pki, crl: true)
        let error = #expect(throws: TransportError.self) { _ = try echo("x", to: server.endpoint, with: stolen, expectedNode: "master") }
        #expect(error?.kind == .verification(.revoked))
        #expect(server.waitForFailure().map(\.kind) == .verification(.revoked))
        #expect(try echo("fine", to: server.endpoint, with: kept, expectedNode: "master") == "fine")
    }

    /// A client context cannot be told to accept operators (only a server can), and a server
    /// cannot be told to accept agents: refused when the context is built, naming both.
    @Test func aPeerPolicyThatDoesNotFitTheRoleIsRefused() throws {
        let pki = try TestPKI()
        try pki.issueAgent("master", address: "127.0.0.1")
        var client = pki.coordinatorTLS()
        client.peer = .operators
        var server = pki.agentTLS("master")
        server.peer = .agent
        for configuration in [client, server] {
            let error = #expect(throws: TransportError.self) { _ = try TLSContext(configuration) }
            #expect(error?.description.contains("cannot accept") == true, "\(error.map(\.description) ?? "-")")
        }
    }
}
