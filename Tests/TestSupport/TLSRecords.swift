/// What a TLS server sent back to a client that spoke plaintext: tests assert that it is only
/// TLS alert records (or nothing) followed by the connection closing, never a plaintext answer.
public enum TLSRecords {
    public static let alert: UInt8 = 0x15

    /// Reads with `receive` until it returns no bytes (the peer closed). A peer that neither
    /// answers nor closes makes `receive` throw its timeout, which fails the test.
    public static func readUntilClosed(_ receive: () throws -> [UInt8]) throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return all }
            all += chunk
            if all.count > 1 << 16 { return all }
        }
    }

    /// The content type of each record in `bytes`, or nil when `bytes` is not a sequence of
    /// whole TLS records (type, version 3.x, 16-bit length, body).
    public static func contentTypes(_ bytes: [UInt8]) -> [UInt8]? {
        var types: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes.count - index >= 5, bytes[index + 1] == 3 else { return nil }
            let length = Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
            guard bytes.count - index - 5 >= length else { return nil }
            types.append(bytes[index])
            index += 5 + length
        }
        return types
    }

    /// True when `bytes` is nothing, or only TLS alert records of two bytes each.
    public static func isOnlyAlerts(_ bytes: [UInt8]) -> Bool {
        guard let types = contentTypes(bytes) else { return false }
        return types.allSatisfy { $0 == alert } && bytes.count == types.count * 7
    }
}
