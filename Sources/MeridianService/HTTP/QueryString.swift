/// `a=1&b=x%20y` → ["a": "1", "b": "x y"], strictly: a name given twice, a bad escape or a name
/// outside `allowed` is refused with the name in the message.
enum QueryString {
    static let maxLength = 2048

    static func parse(_ query: String?, allowed: Set<String>) throws(QueryError) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        guard query.utf8.count <= maxLength else { throw QueryError("the query is longer than \(maxLength) bytes") }
        var values: [String: String] = [:]
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            guard allowed.contains(name) else {
                throw QueryError("unknown query parameter \"\(name)\" (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw QueryError("query parameter \"\(name)\" is given twice") }
            values[name] = value
        }
        return values
    }

    static func decode(_ text: Substring) throws(QueryError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else {
                    throw QueryError("bad percent escape in \"\(text)\"")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw QueryError("\"\(text)\" is not UTF-8 once decoded") }
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw QueryError("\"\(text)\" holds control characters")
        }
        return decoded
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

struct QueryError: Error { var message: String; init(_ message: String) { self.message = message } }
