internal import COpenSSL

/// Owns one memory `BIO*`: PEM bytes go in (`reading:`) or come out (`writing`).
///
/// The one place a BIO is made and freed; the `PEM_*_bio_*` calls borrow it for the length of
/// a closure, so the pointer never outlives its owner.
final class MemoryBIO {
    private let pointer: OpaquePointer
    /// A read-only BIO points into `source`'s storage, so the bytes stay owned here too.
    private let source: UnsafeMutableRawBufferPointer?

    /// A BIO that reads a copy of `bytes`.
    init(reading bytes: [UInt8]) throws(TransportError) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        copy.copyBytes(from: bytes)
        guard bytes.count <= Int(Int32.max), let bio = BIO_new_mem_buf(copy.baseAddress, Int32(bytes.count)) else {
            copy.deallocate()
            throw OpenSSLError.failure(.pki, "cannot allocate memory BIO")
        }
        pointer = bio
        source = copy
    }

    /// An empty BIO that collects what OpenSSL writes into it.
    init() throws(TransportError) {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.failure(.pki, "cannot allocate memory BIO") }
        pointer = bio
        source = nil
    }

    deinit {
        BIO_free(pointer)
        source?.deallocate()
    }

    /// Parses PEM bytes with one of OpenSSL's `PEM_read_bio_*` functions; the caller wraps the
    /// new object in its owner at once.
    static func parse(_ pem: [UInt8], what: String, _ parse: (OpaquePointer) -> OpaquePointer?) throws(TransportError) -> OpaquePointer {
        ERR_clear_error()
        let bio = try MemoryBIO(reading: pem)
        guard let object = parse(bio.pointer) else { throw OpenSSLError.failure(.pki, "cannot read \(what)") }
        return object
    }

    /// Runs one of OpenSSL's `PEM_write_bio_*` functions and returns the bytes it wrote.
    static func collect(_ write: (OpaquePointer) -> Bool) throws(TransportError) -> [UInt8] {
        let bio = try MemoryBIO()
        guard write(bio.pointer) else { throw OpenSSLError.failure(.pki, "cannot encode PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let length = meridian_bio_mem_data(bio.pointer, &data)
        guard let data, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}
