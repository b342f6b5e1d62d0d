internal import COpenSSL

/// Owns one `X509_REQ*`: a node's certificate request (see `PKI.createAgentRequest`).
final class CertificateRequest {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    init(withOwnedReference pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_REQ_free(pointer) }

    /// A request signed by `key` for subject O=Meridian, OU=`role`, CN=`commonName` with the
    /// subjectAltName `subjectAltName` (OpenSSL syntax).
    convenience init(key: PrivateKey, role: CertificateRole, commonName: String, subjectAltName: String) throws(TransportError) {
        ERR_clear_error()
        guard let request = meridian_csr_create(key.pointer, role.organizationalUnit, commonName, subjectAltName) else {
            throw OpenSSLError.failure(.pki, "cannot create the certificate request")
        }
        self.init(withOwnedReference: request)
    }

    convenience init(pem: String) throws(TransportError) {
        self.init(withOwnedReference: try MemoryBIO.parse(Array(pem.utf8), what: "PEM certificate request") {
            PEM_read_bio_X509_REQ($0, nil, nil, nil)
        })
    }

    /// The public key in the request.
    func publicKey() throws(TransportError) -> PublicKey {
        guard let key = X509_REQ_get_pubkey(pointer) else { throw OpenSSLError.failure(.pki, "certificate request has no readable public key") }
        return PublicKey(withOwnedReference: key)
    }

    /// True when the request is signed by the key it carries (proof the sender holds it).
    var hasValidSignature: Bool {
        guard let key = try? publicKey() else { return false }
        return X509_REQ_verify(pointer, key.pointer) == 1
    }

    func subjectEntry(_ nid: Int32) -> String? {
        guard let name = X509_REQ_get_subject_name(pointer) else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        guard X509_NAME_get_text_by_NID(name, nid, &buffer, Int32(buffer.count)) >= 0 else { return nil }
        return buffer.nulTerminatedString
    }

    /// The subjectAltName as "DNS:pve1,IP:192.168.1.10", or nil if it does not fit.
    var subjectAltNameText: String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        return meridian_csr_san_text(pointer, &buffer, Int32(buffer.count)) >= 0 ? buffer.nulTerminatedString : nil
    }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { PEM_write_bio_X509_REQ($0, pointer) == 1 }
    }
}
