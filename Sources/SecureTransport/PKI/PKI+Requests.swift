import ClockSync
import HostSystem
internal import COpenSSL
internal import Glibc

/// `meridian deploy`: the node makes its own key and a certificate request (the private key never
/// leaves the node); the coordinator signs the request only if it names exactly that node and
/// that address.
extension PKI {
    /// On the node: keeps an existing key unless `renew`, writes a new one (0600) otherwise, and
    /// returns a PEM certificate request for `node` / `address` with the agent role.
    public static func createAgentRequest(node: String, address: String, keyPath: String, renew: Bool) throws(TransportError) -> String {
        try Naming.checkNodeName(node)
        guard IPAddress(address) != nil else {
            throw TransportError(.pki, "--address \"\(address)\" is not an IPv4 or IPv6 address")
        }
        let key: PrivateKey
        if !renew, let pem = try PKIFiles.read(keyPath) {
            key = try PrivateKey(pem: pem, path: keyPath)
        } else {
            key = try PrivateKey()
            try PKIFiles.makeDirectories(AtomicFile.parentDirectory(of: keyPath), mode: 0o750)
            try PKIFiles.write(try key.pem(), to: keyPath, mode: 0o600)
        }
        let request = try CertificateRequest(key: key, role: .agent, commonName: node, subjectAltName: "DNS:\(node),IP:\(address)")
        return String(decoding: try request.pem(), as: UTF8.self)
    }

    /// On the coordinator: checks the request's signature, role, name and address, then signs it
    /// with the cluster CA. A request for another node's name or address is refused.
    public static func signAgentRequest(
        _ pem: String, node: String, address: String, in directory: String, validity: CertificateValidity = .default
    ) throws(TransportError) -> String {
        let request = try CertificateRequest(pem: pem)
        guard request.hasValidSignature else {
            throw TransportError(.pki, "certificate request from \(node) has a bad signature")
        }
        let key = try request.publicKey()
        let commonName = request.subjectEntry(NID_commonName)
        let unit = request.subjectEntry(NID_organizationalUnitName)
        let san = request.subjectAltNameText
        let expected = "DNS:\(node),IP:\(address)"
        guard commonName == node, unit == CertificateRole.agent.organizationalUnit, san == expected else {
            throw TransportError(.pki, "certificate request refused: it asks for CN=\(commonName ?? "-"), OU=\(unit ?? "-"), SAN \(san ?? "-"); node \(node) may only ask for CN=\(node), OU=meridian-agent, SAN \(expected)")
        }
        let certificate = try signLeaf(publicKey: key, commonName: node, role: .agent, subjectAltName: expected,
                                       in: directory, validity: validity)
        try record(certificate, role: .agent, name: node, in: directory)
        return String(decoding: certificate, as: UTF8.self)
    }

    /// True when `certificatePEM` is this CA's current agent certificate for node/address, with
    /// the key of `requestPEM` and more than 30 days left: then a re-deploy keeps it.
    public static func isCurrentAgentCertificate(
        _ certificatePEM: String, node: String, address: String, requestPEM: String, caPath: String
    ) -> Bool {
        guard let caPEM = try? PKIFiles.read(caPath), let ca = try? X509Certificate(pem: caPEM, path: caPath),
              let certificate = try? X509Certificate(pem: Array(certificatePEM.utf8), path: "remote certificate"),
              let request = try? CertificateRequest(pem: requestPEM),
              certificate.isSigned(by: ca),
              let certificateKey = try? certificate.publicKey(), let requestKey = try? request.publicKey(),
              certificateKey.isEqual(to: requestKey) else { return false }
        let summary = certificate.summary
        return summary.commonName == node && summary.role == .agent && certificate.subjectAltNameText == "DNS:\(node),IP:\(address)"
            && summary.notAfter > Int64(time(nil)) + 30 * 86_400
    }
}
