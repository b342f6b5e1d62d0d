internal import COpenSSL

/// Owns one `EVP_PKEY*` holding a private key: an EC P-256 key generated here or loaded from PEM.
final class PrivateKey {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    init() throws(TransportError) {
        ERR_clear_error()
        guard let key = meridian_ec_p256_keygen() else { throw OpenSSLError.failure(.pki, "cannot generate P-256 key") }
        pointer = key
    }

    init(pem: [UInt8], path: String) throws(TransportError) {
        pointer = try MemoryBIO.parse(pem, what: "private key \(path)") { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
    }

    deinit { EVP_PKEY_free(pointer) }

    /// The public half, as its own owner (a second reference to the same key).
    func publicKey() throws(TransportError) -> PublicKey {
        guard EVP_PKEY_up_ref(pointer) == 1 else { throw OpenSSLError.failure(.pki, "cannot reference the key") }
        return PublicKey(withOwnedReference: pointer)
    }

    func pem() throws(TransportError) -> [UInt8] {
        try MemoryBIO.collect { bio in PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 }
    }
}
