/// An IPv4 or IPv6 address, parsed strictly (no names, no zone IDs, no leading zeros in IPv4).
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public let description: String

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: String) {
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
        description = text
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
    public static func == (a: IPAddress, b: IPAddress) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                  part == "0" || part.first != "0", let value = UInt8(part) else { return nil }
            result.append(value)
        }
        return result
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        let halves = text.components(separatedByString: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// A subnet such as `192.168.1.0/24` (host bits must be zero, as chrony's `allow` expects).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int
    public var description: String { "\(network)/\(prefixLength)" }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), parts[1].allSatisfy(\.isNumber),
              let prefix = Int(parts[1]), prefix >= 0, prefix <= address.bytes.count * 8 else { return nil }
        network = address
        prefixLength = prefix
        guard contains(address) && Self.hostBitsZero(address.bytes, prefix) else { return nil }
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        for bit in 0..<prefixLength {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if address.bytes[bit / 8] & mask != network.bytes[bit / 8] & mask { return false }
        }
        return true
    }

    static func hostBitsZero(_ bytes: [UInt8], _ prefix: Int) -> Bool {
        (prefix..<bytes.count * 8).allSatisfy { bit in bytes[bit / 8] & (UInt8(0x80) >> UInt8(bit % 8)) == 0 }
    }
}

/// A node name: RFC 1123 labels of letters, digits and inner hyphens.
public struct Hostname: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init?(_ text: String) {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, text.utf8.count <= 253, labels.allSatisfy({ label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }) else { return nil }
        description = text
    }
}

/// An IANA time zone name such as `Europe/Berlin` or `UTC`, checked for syntax here; whether it
/// exists in the tz database is asked of the caller (the module reads no files), who reads the
/// file with `isInstalled(reading:)`.
public struct TimezoneName: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    /// Files of /usr/share/zoneinfo that are not zones a node should be set to: leap-second
    /// tables, the POSIX default rules, tzdata's placeholder zone, and the `right/` (leap
    /// seconds counted) and `posix/` copies of the real zones.
    static let notZones: Set<String> = ["leapseconds", "posixrules", "Factory", "localtime", "right", "posix"]
    static let notZonePrefixes = ["right/", "posix/"]

    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 64, !text.hasPrefix("/"), !text.hasSuffix("/"), !text.contains(".."), !text.contains("//"),
              text.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/_+-".unicodeScalars.contains($0)) }),
              !Self.notZones.contains(text), !Self.notZonePrefixes.contains(where: { text.hasPrefix($0) })
        else { return nil }
        description = text
    }

    /// The tz database's directory on Debian and Proxmox VE.
    public static let databaseDirectory = "/usr/share/zoneinfo"

    /// Whether the tz database holds this zone: its file is a compiled zone (it starts with the
    /// TZif magic), not a directory or one of the table files. `read` returns a regular file's
    /// bytes, or nil for anything else.
    public func isInstalled(in directory: String = TimezoneName.databaseDirectory, reading read: (String) -> [UInt8]?) -> Bool {
        guard let bytes = read(directory + "/" + description) else { return false }
        return Self.isTZif(bytes)
    }

    /// RFC 8536: a TZif file starts with the four bytes `TZif`.
    public static func isTZif(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("TZif".utf8)) }
}

extension Substring {
    /// The first occurrence of `literal`, by plain comparison (no regex engine linked into the
    /// agent, which `firstRange(of:)` would bring).
    func rangeOfLiteral(_ literal: String) -> Range<Substring.Index>? {
        let needle = Array(literal.utf8)
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            var candidate = start
            var matched = 0
            while matched < needle.count, candidate < endIndex, self.utf8[candidate] == needle[matched] {
                candidate = self.utf8.index(after: candidate)
                matched += 1
            }
            if matched == needle.count { return start..<candidate }
            start = index(after: start)
        }
        return nil
    }
}

extension String {
    /// Splits on a multi-character separator (FoundationEssentials-free).
    func components(separatedByString separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.rangeOfLiteral(separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
