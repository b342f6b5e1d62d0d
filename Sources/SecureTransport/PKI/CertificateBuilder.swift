internal import COpenSSL

/// Builds and signs one X.509 v3 certificate with libcrypto (no `openssl` CLI at run time).
///
/// The certificate under construction is an `X509Certificate` from the first line on, so a
/// failure at any step frees it exactly once, when the builder goes away; `finish()` hands the
/// signed certificate to its next owner.
final class CertificateBuilder {
    private let certificate: X509Certificate

    init(subject: [(field: String, value: String)], publicKey: PublicKey, validity: CertificateValidity) throws(TransportError) {
        ERR_clear_error()
        guard let raw = X509_new() else { throw OpenSSLError.failure(.pki, "cannot allocate certificate") }
        certificate = X509Certificate(withOwnedReference: raw)
        let pointer = certificate.pointer
        guard X509_set_version(pointer, 2) == 1 else { throw OpenSSLError.failure(.pki, "cannot set version") }
        try setRandomSerial()
        let (notAfter, overflow) = validity.notBeforeOffset.addingReportingOverflow(validity.lifetimeSeconds)
        guard !overflow, X509_gmtime_adj(X509_getm_notBefore(pointer), validity.notBeforeOffset) != nil,
              X509_gmtime_adj(X509_getm_notAfter(pointer), notAfter) != nil else {
            throw OpenSSLError.failure(.pki, "cannot set validity")
        }
        guard let name = X509_get_subject_name(pointer) else { throw OpenSSLError.failure(.pki, "no subject") }
        for (field, value) in subject {
            let added = value.withCString { text in
                X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), -1, -1, 0)
            }
            guard added == 1 else { throw OpenSSLError.failure(.pki, "cannot set subject \(field)=\(value)") }
        }
        guard X509_set_pubkey(pointer, publicKey.pointer) == 1 else { throw OpenSSLError.failure(.pki, "cannot set public key") }
    }

    private func setRandomSerial() throws(TransportError) {
        guard let serial = BN_new() else { throw OpenSSLError.failure(.pki, "cannot allocate serial") }
        defer { BN_free(serial) }
        // 127 random bits: positive, unique enough that two issues never collide.
        guard BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate.pointer)) != nil else {
            throw OpenSSLError.failure(.pki, "cannot set serial number")
        }
    }

    /// Adds extensions in OpenSSL's config syntax, e.g. `basicConstraints` = `critical,CA:TRUE`;
    /// `issuer` nil means self-signed.
    func addExtensions(_ extensions: [(nid: Int32, value: String)], issuer: X509Certificate?) throws(TransportError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, (issuer ?? certificate).pointer, certificate.pointer, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw OpenSSLError.failure(.pki, "cannot build extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(certificate.pointer, ext, -1) == 1 else { throw OpenSSLError.failure(.pki, "cannot add extension") }
        }
    }

    /// Signs with `key` under `issuer`'s subject (self-signed when nil) and returns the result.
    func finish(issuer: X509Certificate?, key: PrivateKey) throws(TransportError) -> X509Certificate {
        ERR_clear_error()
        let issuerName = X509_get_subject_name((issuer ?? certificate).pointer)
        guard X509_set_issuer_name(certificate.pointer, issuerName) == 1,
              X509_sign(certificate.pointer, key.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.failure(.pki, "cannot sign certificate")
        }
        return certificate
    }
}
