import SecureTransport
import Testing
import TestSupport

@Suite(.offPool) struct CertificateRequestTests {
    @Test func nodeKeyStaysOnTheNodeAndTheSignedCertificateWorks() throws {
        let pki = try TestPKI()
        let node = try TemporaryDirectory("meridian-node")
        let request = try PKI.createAgentRequest(node: "pve1", address: "127.0.0.1", keyPath: node.file("agent.key"), renew: false)
        #expect(try FileCheck.permissions(node.file("agent.key")) == 0o600)
        let certificate = try PKI.signAgentRequest(request, node: "pve1", address: "127.0.0.1", in: pki.path)
        try node.write("agent.pem", certificate)
        let summary = try PKI.inspect(certificateAt: node.file("agent.pem"))
        #expect(summary.role == .agent && summary.dnsNames == ["pve1"] && summary.ipAddresses == ["127.0.0.1"])
        #expect(PKI.isCurrentAgentCertificate(certificate, node: "pve1", address: "127.0.0.1", requestPEM: request, caPath: pki.ca))
        // The node's own key and the signed certificate serve TLS that the coordinator accepts.
        let server = try EchoServer(TLSConfiguration(caPath: pki.ca, certificatePath: node.file("agent.pem"),
                                                     keyPath: node.file("agent.key"), role: .agent))
        #expect(try echo("deployed", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "pve1") == "deployed")
    }

    @Test func keyIsKeptUnlessRenewed() throws {
        let pki = try TestPKI()
        let node = try TemporaryDirectory("meridian-node")
        let first = try PKI.createAgentRequest(node: "pve1", address: "10.0.0.1", keyPath: node.file("agent.key"), renew: false)
        let certificate = try PKI.signAgentRequest(first, node: "pve1", address: "10.0.0.1", in: pki.path)
        let again = try PKI.createAgentRequest(node: "pve1", address: "10.0.0.1", keyPath: node.file("agent.key"), renew: false)
        #expect(PKI.isCurrentAgentCertificate(certificate, node: "pve1", address: "10.0.0.1", requestPEM: again, caPath: pki.ca))
        let renewed = try PKI.createAgentRequest(node: "pve1", address: "10.0.0.1", keyPath: node.file("agent.key"), renew: true)
        #expect(!PKI.isCurrentAgentCertificate(certificate, node: "pve1", address: "10.0.0.1", requestPEM: renewed, caPath: pki.ca))
    }

    @Test(arguments: [("pve2", "10.0.0.1"), ("pve1", "10.0.0.2")])
    func requestForAnotherNodesNameOrAddressIsRefused(node: String, address: String) throws {
        let pki = try TestPKI()
        let directory = try TemporaryDirectory("meridian-node")
        let request = try PKI.createAgentRequest(node: node, address: address, keyPath: directory.file("k"), renew: false)
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.signAgentRequest(request, node: "pve1", address: "10.0.0.1", in: pki.path)
        }
        #expect(error?.description.contains("certificate request refused") == true)
        #expect(throws: TransportError.self) { _ = try PKI.signAgentRequest("garbage", node: "pve1", address: "10.0.0.1", in: pki.path) }
    }
}
