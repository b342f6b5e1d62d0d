import HostSystem
internal import COpenSSL

/// Builds and signs one X.509 v3 certificate with libcrypto (no `openssl` CLI at run time).
/// Owns the `X509*` until `pem()` hands out its encoding.
final class CertificateBuilder {
    let certificate: OpaquePointer

    convenience init(subject: [(field: String, value: String)], publicKey: PrivateKey, validity: CertificateValidity) throws(TransportError) {
        try self.init(subject: subject, publicKeyPointer: publicKey.pointer, validity: validity)
    }

    init(subject: [(field: String, value: String)], publicKeyPointer: OpaquePointer, validity: CertificateValidity) throws(TransportError) {
        ERR_clear_error()
        guard let certificate = X509_new() else { throw OpenSSLError.failure(.pki, "cannot allocate certificate") }
        self.certificate = certificate
        guard X509_set_version(certificate, 2) == 1 else { throw OpenSSLError.failure(.pki, "cannot set version") }
        try Self.setRandomSerial(certificate)
        guard X509_gmtime_adj(X509_getm_notBefore(certificate), validity.notBeforeOffset) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), validity.notBeforeOffset + validity.lifetimeSeconds) != nil else {
            throw OpenSSLError.failure(.pki, "cannot set validity")
        }
        guard let name = X509_get_subject_name(certificate) else { throw OpenSSLError.failure(.pki, "no subject") }
        for (field, value) in subject {
            let added = value.withCString { text in
                X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), -1, -1, 0)
            }
            guard added == 1 else { throw OpenSSLError.failure(.pki, "cannot set subject \(field)=\(value)") }
        }
        guard X509_set_pubkey(certificate, publicKeyPointer) == 1 else { throw OpenSSLError.failure(.pki, "cannot set public key") }
    }

    deinit { X509_free(certificate) }

    private static func setRandomSerial(_ certificate: OpaquePointer) throws(TransportError) {
        guard let serial = BN_new() else { throw OpenSSLError.failure(.pki, "cannot allocate serial") }
        defer { BN_free(serial) }
        // 127 random bits: positive, unique enough that two issues never collide.
        guard BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate)) != nil else {
            throw OpenSSLError.failure(.pki, "cannot set serial number")
        }
    }

    /// Adds extensions in OpenSSL's config syntax, e.g. `basicConstraints` = `critical,CA:TRUE`.
    func addExtensions(_ extensions: [(nid: Int32, value: String)], issuer: OpaquePointer?) throws(TransportError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer ?? certificate, certificate, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw OpenSSLError.failure(.pki, "cannot build extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(certificate, ext, -1) == 1 else { throw OpenSSLError.failure(.pki, "cannot add extension") }
        }
    }

    func sign(issuerName: OpaquePointer?, with key: PrivateKey) throws(TransportError) {
        guard X509_set_issuer_name(certificate, issuerName ?? X509_get_subject_name(certificate)) == 1,
              X509_sign(certificate, key.pointer, EVP_sha256()) > 0 else {
            throw OpenSSLError.failure(.pki, "cannot sign certificate")
        }
    }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { bio in PEM_write_bio_X509(bio, certificate) == 1 }
    }
}

/// An EC P-256 private key, generated here or loaded from PEM.
final class PrivateKey {
    let pointer: OpaquePointer

    init() throws(TransportError) {
        ERR_clear_error()
        guard let key = meridian_ec_p256_keygen() else { throw OpenSSLError.failure(.pki, "cannot generate P-256 key") }
        pointer = key
    }

    init(pem: [UInt8], path: String) throws(TransportError) {
        ERR_clear_error()
        let key = pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw OpenSSLError.failure(.pki, "cannot read private key \(path)") }
        pointer = key
    }

    deinit { EVP_PKEY_free(pointer) }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { bio in PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 }
    }
}

/// Reads PEM certificates into `X509*` the caller frees.
enum PEMCertificate {
    static func read(_ pem: [UInt8], path: String) throws(TransportError) -> OpaquePointer {
        try MemoryBIO.read(pem, what: "certificate \(path)") { PEM_read_bio_X509($0, nil, nil, nil) }
    }
}

/// The cluster CA's certificate and key, loaded for signing.
final class Authority {
    let certificate: OpaquePointer
    let key: PrivateKey

    init(in directory: String) throws(TransportError) {
        let caPath = directory + "/ca.pem", caKeyPath = directory + "/ca.key"
        guard let caPEM = try PKIFiles.read(caPath), let caKeyPEM = try PKIFiles.read(caKeyPath) else {
            throw TransportError(.pki, "no cluster CA in \(directory) (ca.pem and ca.key); run `meridian ca init --dir \(directory)` first")
        }
        certificate = try PEMCertificate.read(caPEM, path: caPath)
        do {
            key = try PrivateKey(pem: caKeyPEM, path: caKeyPath)
        } catch {
            X509_free(certificate)
            throw error
        }
        guard X509_check_private_key(certificate, key.pointer) == 1 else {
            X509_free(certificate)
            throw OpenSSLError.failure(.pki, "\(caKeyPath) does not belong to \(caPath)")
        }
    }

    deinit { X509_free(certificate) }
}

enum MemoryBIO {
    /// Parses PEM bytes with one of OpenSSL's `PEM_read_bio_*` functions.
    static func read(_ pem: [UInt8], what: String, _ parse: (OpaquePointer) -> OpaquePointer?) throws(TransportError) -> OpaquePointer {
        ERR_clear_error()
        let object = pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return parse(bio)
        }
        guard let object else { throw OpenSSLError.failure(.pki, "cannot read \(what)") }
        return object
    }

    static func collect(_ write: (OpaquePointer) -> Bool) throws(TransportError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.failure(.pki, "cannot allocate memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) else { throw OpenSSLError.failure(.pki, "cannot encode PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let length = meridian_bio_mem_data(bio, &data)
        guard let data, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}
