internal import COpenSSL

/// Owns one `X509_CRL*`: the cluster's revocation list, read from `crl.pem` or signed here.
final class RevocationList {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    init(withOwnedReference pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_CRL_free(pointer) }

    convenience init(pem: [UInt8], path: String) throws(TransportError) {
        self.init(withOwnedReference: try MemoryBIO.parse(pem, what: "revocation list \(path)") { PEM_read_bio_X509_CRL($0, nil, nil, nil) })
    }

    /// A CRL listing `serials` (hex), signed by `authority`. Offline clusters renew nothing on
    /// a schedule, so it is valid for ten years.
    convenience init(serials: [String], signedBy authority: Authority) throws(TransportError) {
        ERR_clear_error()
        guard let raw = X509_CRL_new() else { throw OpenSSLError.failure(.pki, "cannot allocate a CRL") }
        self.init(withOwnedReference: raw)
        let crl = pointer
        guard X509_CRL_set_version(crl, 1) == 1, X509_CRL_set_issuer_name(crl, X509_get_subject_name(authority.certificate.pointer)) == 1,
              let last = X509_gmtime_adj(nil, -3600) else {
            throw OpenSSLError.failure(.pki, "cannot start the CRL")
        }
        defer { ASN1_TIME_free(last) }
        guard let next = X509_gmtime_adj(nil, 10 * 365 * 86_400) else { throw OpenSSLError.failure(.pki, "cannot start the CRL") }
        defer { ASN1_TIME_free(next) }
        guard X509_CRL_set1_lastUpdate(crl, last) == 1, X509_CRL_set1_nextUpdate(crl, next) == 1 else {
            throw OpenSSLError.failure(.pki, "cannot date the CRL")
        }
        for serial in serials { try add(serial) }
        guard X509_CRL_sort(crl) == 1, X509_CRL_sign(crl, authority.key.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.failure(.pki, "cannot sign the CRL")
        }
    }

    /// Lists one serial; the entry belongs to the CRL once `X509_CRL_add0_revoked` took it.
    private func add(_ serial: String) throws(TransportError) {
        var bignum: OpaquePointer? = nil
        guard BN_hex2bn(&bignum, serial) > 0, let bignum else { throw OpenSSLError.failure(.pki, "bad serial \(serial)") }
        defer { BN_free(bignum) }
        guard let entry = X509_REVOKED_new() else { throw OpenSSLError.failure(.pki, "cannot allocate a CRL entry") }
        let number = BN_to_ASN1_INTEGER(bignum, nil)
        let date = X509_gmtime_adj(nil, 0)
        defer { ASN1_INTEGER_free(number); ASN1_TIME_free(date) }
        guard X509_REVOKED_set_serialNumber(entry, number) == 1, X509_REVOKED_set_revocationDate(entry, date) == 1 else {
            X509_REVOKED_free(entry)
            throw OpenSSLError.failure(.pki, "cannot list \(serial)")
        }
        guard X509_CRL_add0_revoked(pointer, entry) == 1 else {
            X509_REVOKED_free(entry)
            throw OpenSSLError.failure(.pki, "cannot list \(serial)")
        }
    }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { PEM_write_bio_X509_CRL($0, pointer) == 1 }
    }
}
