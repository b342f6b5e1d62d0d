/// One symmetric NTP key as chrony's keyfile holds it (`ID TYPE HEX:…`). The material is a
/// secret: `description`, `debugDescription` and the mirror show the id and type only, so a key
/// printed by accident (a log line, a test failure, `dump`) never shows its bytes.
public struct NTPKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The two kinds chrony 4.3 offers for NTP keys (`chronyc keygen ID AES128`, `… SHA256 256`).
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// AES-128 CMAC, 16 bytes of key.
        case aes128 = "AES128"
        /// HMAC-style SHA-256 digest key, 32 bytes (what `chronyc keygen ID SHA256 256` makes).
        case sha256 = "SHA256"

        public var byteCount: Int { self == .aes128 ? 16 : 32 }
        /// What `chronyc -c authdata` prints in its Type column for this kind.
        public var authDataType: Int { self == .aes128 ? 13 : 3 }
    }

    /// chrony accepts 32-bit ids; Meridian keeps them small so a plan can print ranges.
    public static let idRange: ClosedRange<UInt32> = 1...65535

    public var id: UInt32
    public var kind: Kind
    public var material: [UInt8]

    public init(id: UInt32, kind: Kind, material: [UInt8]) { self.id = id; self.kind = kind; self.material = material }

    /// Checks id range and key length; the error never carries the material.
    public func validate() throws(NTPKeyError) {
        guard Self.idRange.contains(id) else { throw NTPKeyError("id", "\(id)", "must be \(Self.idRange.lowerBound)-\(Self.idRange.upperBound)") }
        guard material.count == kind.byteCount else {
            throw NTPKeyError("hex", "(\(material.count) bytes, hidden)", "must be \(kind.byteCount) bytes for \(kind.rawValue)")
        }
    }

    /// The material as chrony writes it after `HEX:` (upper case, two digits a byte).
    public var hex: String {
        let digits = Array("0123456789ABCDEF")
        var text = ""
        for byte in material { text.append(digits[Int(byte >> 4)]); text.append(digits[Int(byte & 0x0F)]) }
        return text
    }

    /// Parses hex digits (either case) into bytes; nil for odd length or a non-hex digit.
    public static func bytes(hex text: String) -> [UInt8]? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count % 2 == 0, scalars.count <= 256 else { return nil }
        func nibble(_ scalar: Unicode.Scalar) -> UInt8? {
            switch scalar {
            case "0"..."9": UInt8(scalar.value - 48)
            case "a"..."f": UInt8(scalar.value - 87)
            case "A"..."F": UInt8(scalar.value - 55)
            default: nil
            }
        }
        var bytes: [UInt8] = []
        var index = 0
        while index < scalars.count {
            guard let high = nibble(scalars[index]), let low = nibble(scalars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    public var description: String { "key \(id) (\(kind.rawValue))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id, "kind": kind], displayStyle: .struct) }
}

/// A key value that is out of range or malformed: the field, a value safe to show, the problem.
public struct NTPKeyError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var problem: String
    public init(_ field: String, _ value: String, _ problem: String) { self.field = field; self.value = value; self.problem = problem }
    public var description: String { "\(field): \"\(value)\" \(problem)" }
}
