internal import COpenSSL

/// Owns one reference to an `EVP_PKEY*` used for its public half: the key a certificate or a
/// certificate request carries, or the public side of a `PrivateKey`.
final class PublicKey {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    /// Takes over one reference the caller owns (from a `get1`/`up_ref` call), as
    /// swift-nio-ssl's `NIOSSLCertificate(withOwnedReference:)` does.
    init(withOwnedReference pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    func isEqual(to other: PublicKey) -> Bool { EVP_PKEY_eq(pointer, other.pointer) == 1 }
}
