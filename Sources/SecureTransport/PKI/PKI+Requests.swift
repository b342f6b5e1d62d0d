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
        guard SocketAddress(numericHost: address, port: 0) != nil else {
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
        ERR_clear_error()
        guard let request = meridian_csr_create(key.pointer, CertificateRole.agent.organizationalUnit, node, "DNS:\(node),IP:\(address)") else {
            throw OpenSSLError.failure(.pki, "cannot create the certificate request")
        }
        defer { X509_REQ_free(request) }
        return String(decoding: try MemoryBIO.collect { PEM_write_bio_X509_REQ($0, request) == 1 }, as: UTF8.self)
    }

    /// On the coordinator: checks the request's signature, role, name and address, then signs it
    /// with the cluster CA. A request for another node's name or address is refused.
    public static func signAgentRequest(
        _ pem: String, node: String, address: String, in directory: String, validity: CertificateValidity = .default
    ) throws(TransportError) -> String {
        let request = try readRequest(pem)
        defer { X509_REQ_free(request) }
        guard let key = X509_REQ_get0_pubkey(request), X509_REQ_verify(request, key) == 1 else {
            throw TransportError(.pki, "certificate request from \(node) has a bad signature")
        }
        let commonName = subjectEntry(X509_REQ_get_subject_name(request), NID_commonName)
        let unit = subjectEntry(X509_REQ_get_subject_name(request), NID_organizationalUnitName)
        let san = requestSAN(request)
        let expected = "DNS:\(node),IP:\(address)"
        guard commonName == node, unit == CertificateRole.agent.organizationalUnit, san == expected else {
            throw TransportError(.pki, "certificate request refused: it asks for CN=\(commonName ?? "-"), OU=\(unit ?? "-"), SAN \(san ?? "-"); node \(node) may only ask for CN=\(node), OU=meridian-agent, SAN \(expected)")
        }
        let certificate = try signLeaf(publicKey: key, commonName: node, role: .agent, subjectAltName: expected,
                                       in: directory, validity: validity)
        return String(decoding: certificate, as: UTF8.self)
    }

    /// True when `certificatePEM` is this CA's current agent certificate for node/address, with
    /// the key of `requestPEM` and more than 30 days left: then a re-deploy keeps it.
    public static func isCurrentAgentCertificate(
        _ certificatePEM: String, node: String, address: String, requestPEM: String, caPath: String
    ) -> Bool {
        guard let caPEM = try? PKIFiles.read(caPath), let ca = try? PEMCertificate.read(caPEM, path: caPath) else { return false }
        defer { X509_free(ca) }
        guard let certificate = try? PEMCertificate.read(Array(certificatePEM.utf8), path: "remote certificate") else { return false }
        defer { X509_free(certificate) }
        guard let request = try? readRequest(requestPEM) else { return false }
        defer { X509_REQ_free(request) }
        guard let caKey = X509_get0_pubkey(ca), X509_verify(certificate, caKey) == 1,
              let certKey = X509_get0_pubkey(certificate), let requestKey = X509_REQ_get0_pubkey(request),
              EVP_PKEY_eq(certKey, requestKey) == 1 else { return false }
        let summary = CertificateSummary(x509: certificate)
        var buffer = [CChar](repeating: 0, count: 1024)
        let san = meridian_cert_san_text(certificate, &buffer, Int32(buffer.count)) >= 0 ? buffer.nulTerminatedString : nil
        return summary.commonName == node && summary.role == .agent && san == "DNS:\(node),IP:\(address)"
            && summary.notAfter > Int64(time(nil)) + 30 * 86_400
    }

    static func readRequest(_ pem: String) throws(TransportError) -> OpaquePointer {
        try MemoryBIO.read(Array(pem.utf8), what: "PEM certificate request") { PEM_read_bio_X509_REQ($0, nil, nil, nil) }
    }

    static func requestSAN(_ request: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        return meridian_csr_san_text(request, &buffer, Int32(buffer.count)) >= 0 ? buffer.nulTerminatedString : nil
    }

    static func subjectEntry(_ name: OpaquePointer?, _ nid: Int32) -> String? {
        guard let name else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        guard X509_NAME_get_text_by_NID(name, nid, &buffer, Int32(buffer.count)) >= 0 else { return nil }
        return buffer.nulTerminatedString
    }
}
