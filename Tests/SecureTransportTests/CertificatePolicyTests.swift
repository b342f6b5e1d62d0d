import SecureTransport
import Testing
import TestSupport

/// certs/README.md "Roles": the leaf carries exactly one OU (its role's), the EKU of its role
/// and is not a CA. Each case is a certificate of our own cluster that breaks one rule; the
/// checking side names the rule, the refused side learns "wrong role" from the alert.
@Suite(.offPool) struct CertificatePolicyTests {
    typealias Case = (name: String, certificate: CraftedCertificate, reason: String)

    static let coordinatorCases: [Case] = [
        ("no EKU", CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/CN=coordinator",
                                      extensions: [CraftedCertificate.leafConstraints, CraftedCertificate.keyUsage]),
         "it has no extended key usage"),
        ("CA:TRUE", CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/CN=coordinator",
                                       extensions: ["basicConstraints = critical,CA:TRUE", "extendedKeyUsage = clientAuth"]),
         "it is a CA certificate"),
        ("two role OUs", CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/OU=meridian-agent/CN=coordinator",
                                            extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = clientAuth,serverAuth"]),
         "more than one OU"),
        ("serverAuth only", CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/CN=coordinator",
                                               extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = serverAuth"]),
         "extended key usage lacks clientAuth"),
    ]

    static let agentCases: [Case] = [
        ("no EKU", CraftedCertificate(subject: "/O=Meridian/OU=meridian-agent/CN=pve1",
                                      extensions: [CraftedCertificate.leafConstraints, "subjectAltName = DNS:pve1,IP:127.0.0.1"]),
         "it has no extended key usage"),
        ("CA:TRUE", CraftedCertificate(subject: "/O=Meridian/OU=meridian-agent/CN=pve1",
                                       extensions: ["basicConstraints = critical,CA:TRUE", "extendedKeyUsage = serverAuth",
                                                    "subjectAltName = DNS:pve1,IP:127.0.0.1"]),
         "it is a CA certificate"),
        ("two role OUs", CraftedCertificate(subject: "/O=Meridian/OU=meridian-agent/OU=meridian-coordinator/CN=pve1",
                                            extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = serverAuth,clientAuth",
                                                         "subjectAltName = DNS:pve1,IP:127.0.0.1"]),
         "more than one OU"),
        ("clientAuth only", CraftedCertificate(subject: "/O=Meridian/OU=meridian-agent/CN=pve1",
                                               extensions: [CraftedCertificate.leafConstraints, "extendedKeyUsage = clientAuth",
                                                            "subjectAltName = DNS:pve1,IP:127.0.0.1"]),
         "extended key usage lacks serverAuth"),
    ]

    @Test(arguments: coordinatorCases)
    func agentRefusesCoordinatorCertificate(name: String, certificate: CraftedCertificate, reason: String) throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let client = try certificate.issue("crafted", in: pki, role: .coordinator)
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: client) } == .wrongRole, "\(name)")
        let refused = try #require(server.waitForFailure(), "\(name): the agent recorded no refusal")
        #expect(refused.kind == .verification(.wrongRole), "\(name)")
        #expect(refused.description.contains(reason), "\(name): \(refused)")
        // The proper coordinator is still served.
        #expect(try echo("ok", to: server.endpoint, with: pki.coordinatorTLS()) == "ok")
    }

    @Test(arguments: agentCases)
    func coordinatorRefusesAgentCertificate(name: String, certificate: CraftedCertificate, reason: String) throws {
        let pki = try TestPKI()
        let server = try EchoServer(certificate.issue("crafted", in: pki, role: .agent))
        let error = #expect(throws: TransportError.self, "\(name)") {
            _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "pve1")
        }
        #expect(error?.kind == .verification(.wrongRole), "\(name)")
        #expect(error?.description.contains(reason) == true, "\(name): \(error.map(\.description) ?? "-")")
        #expect(server.waitForFailure().map(\.kind) == .verification(.wrongRole), "\(name): the agent learns it was refused")
    }

    /// The control: the same tool and template with every rule kept is accepted, so the cases
    /// above fail for the rule they break and not for being made by the CLI.
    @Test func craftedCertificatesThatKeepThePolicyAreAccepted() throws {
        let pki = try TestPKI()
        let agent = CraftedCertificate(subject: "/O=Meridian/OU=meridian-agent/CN=pve1",
                                       extensions: [CraftedCertificate.leafConstraints, CraftedCertificate.keyUsage,
                                                    "extendedKeyUsage = serverAuth", "subjectAltName = DNS:pve1,IP:127.0.0.1"])
        let coordinator = CraftedCertificate(subject: "/O=Meridian/OU=meridian-coordinator/CN=coordinator",
                                             extensions: [CraftedCertificate.leafConstraints, CraftedCertificate.keyUsage,
                                                          "extendedKeyUsage = clientAuth"])
        let server = try EchoServer(agent.issue("agent", in: pki, role: .agent))
        let client = try coordinator.issue("client", in: pki, role: .coordinator)
        #expect(try echo("kept", to: server.endpoint, with: client, expectedNode: "pve1") == "kept")
    }
}
