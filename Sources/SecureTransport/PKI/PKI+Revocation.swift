import HostSystem
internal import COpenSSL
internal import Glibc

/// Revocation: the coordinator keeps `DIR/revoked.txt` (one serial per line, hex) and a CRL signed
/// by the cluster CA, `DIR/crl.pem`; deploy copies the CRL to every node, and both sides refuse a
/// peer whose certificate is listed. Offline clusters renew nothing on a schedule, so the CRL is
/// valid for ten years.
extension PKI {
    public static func revocationListPath(in directory: String) -> String { directory + "/crl.pem" }

    /// Adds `serialHex` to the list (idempotent) and re-signs the CRL. Returns the serials listed.
    @discardableResult
    public static func revoke(serialHex: String, in directory: String) throws(TransportError) -> [String] {
        let serial = serialHex.uppercased()
        guard !serial.isEmpty, serial.allSatisfy(\.isHexDigit) else { throw TransportError(.pki, "\"\(serialHex)\" is not a hex serial number") }
        var serials = try revokedSerials(in: directory)
        if !serials.contains(serial) { serials.append(serial) }
        try PKIFiles.write(Array((serials.joined(separator: "\n") + "\n").utf8), to: directory + "/revoked.txt", mode: 0o644)
        try writeRevocationList(serials, in: directory)
        return serials
    }

    public static func revokedSerials(in directory: String) throws(TransportError) -> [String] {
        guard let bytes = try PKIFiles.read(directory + "/revoked.txt") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0).uppercased() }.filter { !$0.isEmpty }
    }

    static func writeRevocationList(_ serials: [String], in directory: String) throws(TransportError) {
        let authority = try Authority(in: directory)
        defer { withExtendedLifetime(authority) {} }
        let ca = authority.certificate
        let key = authority.key
        ERR_clear_error()
        guard let crl = X509_CRL_new() else { throw OpenSSLError.failure(.pki, "cannot allocate a CRL") }
        defer { X509_CRL_free(crl) }
        guard X509_CRL_set_version(crl, 1) == 1, X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) == 1,
              let last = X509_gmtime_adj(nil, -3600), let next = X509_gmtime_adj(nil, 10 * 365 * 86_400) else {
            throw OpenSSLError.failure(.pki, "cannot start the CRL")
        }
        defer { ASN1_TIME_free(last); ASN1_TIME_free(next) }
        guard X509_CRL_set1_lastUpdate(crl, last) == 1, X509_CRL_set1_nextUpdate(crl, next) == 1 else {
            throw OpenSSLError.failure(.pki, "cannot date the CRL")
        }
        for serial in serials {
            var bignum: OpaquePointer? = nil
            guard BN_hex2bn(&bignum, serial) > 0, let bignum else { throw OpenSSLError.failure(.pki, "bad serial \(serial)") }
            defer { BN_free(bignum) }
            guard let entry = X509_REVOKED_new() else { throw OpenSSLError.failure(.pki, "cannot allocate a CRL entry") }
            let number = BN_to_ASN1_INTEGER(bignum, nil)
            let date = X509_gmtime_adj(nil, 0)
            defer { ASN1_INTEGER_free(number); ASN1_TIME_free(date) }
            guard X509_REVOKED_set_serialNumber(entry, number) == 1, X509_REVOKED_set_revocationDate(entry, date) == 1,
                  X509_CRL_add0_revoked(crl, entry) == 1 else {
                X509_REVOKED_free(entry)
                throw OpenSSLError.failure(.pki, "cannot list \(serial)")
            }
        }
        guard X509_CRL_sort(crl) == 1, X509_CRL_sign(crl, key.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.failure(.pki, "cannot sign the CRL")
        }
        let pem = try MemoryBIO.collect { PEM_write_bio_X509_CRL($0, crl) == 1 }
        try PKIFiles.write(pem, to: revocationListPath(in: directory), mode: 0o644)
    }

    static func readRevocationList(_ path: String) throws(TransportError) -> OpaquePointer {
        guard let pem = try PKIFiles.read(path) else { throw TransportError(.config, "revocation list \(path) does not exist") }
        return try MemoryBIO.read(pem, what: "revocation list \(path)") { PEM_read_bio_X509_CRL($0, nil, nil, nil) }
    }

    /// The serial (hex) of a PEM certificate.
    public static func serial(ofCertificatePEM pem: String) throws(TransportError) -> String {
        let certificate = try PEMCertificate.read(Array(pem.utf8), path: "certificate")
        defer { X509_free(certificate) }
        return CertificateSummary(x509: certificate).serialHex
    }
}
