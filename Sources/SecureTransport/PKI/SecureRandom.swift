internal import COpenSSL

/// Key material for secrets Meridian makes itself (NTP keys): OpenSSL's CSPRNG, seeded from
/// the kernel, the same source the CA's keys come from.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws(TransportError) -> [UInt8] {
        guard (1...4096).contains(count) else { throw TransportError(.config, "random bytes: \(count) is outside 1...4096") }
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in RAND_bytes(buffer.baseAddress, Int32(count)) }
        guard status == 1 else { throw TransportError(.pki, "RAND_bytes failed: the random generator is not seeded") }
        return bytes
    }
}
