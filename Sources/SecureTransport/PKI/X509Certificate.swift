internal import COpenSSL

/// Owns one `X509*`, like swift-nio-ssl's `NIOSSLCertificate`: made by `init(withOwnedReference:)`
/// from a pointer whose reference the caller hands over, freed by `deinit` and nowhere else.
/// Code that needs the certificate takes this object, never the bare pointer, so the
/// certificate lives at least as long as the call that uses it.
final class X509Certificate {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    init(withOwnedReference pointer: OpaquePointer) {
        OpenSSLThreadState.registered
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Parses one PEM certificate.
    convenience init(pem: [UInt8], path: String) throws(TransportError) {
        self.init(withOwnedReference: try MemoryBIO.parse(pem, what: "certificate \(path)") { PEM_read_bio_X509($0, nil, nil, nil) })
    }

    /// The verified certificate of the peer of `ssl`, if it sent one.
    static func peer(of ssl: OpaquePointer) -> X509Certificate? {
        SSL_get1_peer_certificate(ssl).map(X509Certificate.init(withOwnedReference:))
    }

    var summary: CertificateSummary { CertificateSummary(self) }

    /// The public key the certificate carries.
    func publicKey() throws(TransportError) -> PublicKey {
        guard let key = X509_get_pubkey(pointer) else { throw OpenSSLError.failure(.pki, "certificate has no readable public key") }
        return PublicKey(withOwnedReference: key)
    }

    /// True when `key` is the private half of this certificate's key.
    func matches(_ key: PrivateKey) -> Bool {
        defer { ERR_clear_error() }
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    /// True when `issuer`'s key signed this certificate.
    func isSigned(by issuer: X509Certificate) -> Bool {
        guard let key = try? issuer.publicKey() else { return false }
        return X509_verify(pointer, key.pointer) == 1
    }

    /// The subjectAltName as "DNS:pve1,IP:192.168.1.10", or nil if it does not fit.
    var subjectAltNameText: String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        return meridian_cert_san_text(pointer, &buffer, Int32(buffer.count)) >= 0 ? buffer.nulTerminatedString : nil
    }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { bio in PEM_write_bio_X509(bio, pointer) == 1 }
    }
}
