import WireProtocol

/// A method's params, read strictly: an object (or absent), no field the method does not know,
/// each field of the JSON type and range it must have. Every refusal is -32602 naming the field
/// and what it expects in JSON words.
struct APIParams {
    let method: String
    let members: [String: JSONValue]

    init(_ value: JSONValue?, method: String, known: [String]) throws(RPCError) {
        self.method = method
        switch value {
        case nil:
            members = [:]
        case .object(let object)?:
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                let list = known.isEmpty ? "it takes no params" : "known: \(known.sorted().joined(separator: ", "))"
                throw RPCError.invalidParams("unknown field \"\(unknown)\" for \(method) (\(list))")
            }
            members = object
        case let other?:
            throw RPCError.invalidParams("params of \(method) must be an object, got \(other.kindName)")
        }
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    func string(_ key: String, maxLength: Int = 256) throws(RPCError) -> String? {
        guard let value = members[key] else { return nil }
        guard let text = value.stringValue else { throw RPCError.invalidParams("field \"\(key)\" must be a string, got \(value.kindName)") }
        guard !text.isEmpty, text.utf8.count <= maxLength else {
            throw RPCError.invalidParams("field \"\(key)\" must be 1...\(maxLength) bytes long, got \(text.utf8.count)")
        }
        return text
    }

    func requiredString(_ key: String, maxLength: Int = 256) throws(RPCError) -> String {
        guard let text = try string(key, maxLength: maxLength) else { throw RPCError.invalidParams("missing field \"\(key)\"") }
        return text
    }

    func bool(_ key: String) throws(RPCError) -> Bool? {
        guard let value = members[key] else { return nil }
        guard let flag = value.boolValue else { throw RPCError.invalidParams("field \"\(key)\" must be true or false, got \(value.kindName)") }
        return flag
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(RPCError) -> Double? {
        guard let value = members[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            throw RPCError.invalidParams("field \"\(key)\" must be a number, got \(value.kindName)")
        }
        guard range.contains(number) else {
            throw RPCError.invalidParams("field \"\(key)\" must be in \(Self.text(range.lowerBound))...\(Self.text(range.upperBound)), got \(Self.text(number))")
        }
        return number
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(RPCError) -> Int? {
        guard let value = members[key] else { return nil }
        guard case .integer(let wide) = value else {
            throw RPCError.invalidParams("field \"\(key)\" must be an integer in \(range.lowerBound)...\(range.upperBound), got \(value.kindName)")
        }
        guard let narrow = Int(exactly: wide), range.contains(narrow) else {
            throw RPCError.invalidParams("field \"\(key)\" must be an integer in \(range.lowerBound)...\(range.upperBound), got \(wide)")
        }
        return narrow
    }

    func integers(_ key: String, in range: ClosedRange<Int>, maxCount: Int = 16) throws(RPCError) -> [Int]? {
        guard let value = members[key] else { return nil }
        guard let items = value.arrayValue, items.count <= maxCount else {
            throw RPCError.invalidParams("field \"\(key)\" must be an array of at most \(maxCount) integers, got \(value.kindName)")
        }
        var result: [Int] = []
        for (index, item) in items.enumerated() {
            guard case .integer(let wide) = item, let narrow = Int(exactly: wide), range.contains(narrow) else {
                throw RPCError.invalidParams("field \"\(key)[\(index)]\" must be an integer in \(range.lowerBound)...\(range.upperBound), got \(String(item.encodedText.prefix(64)))")
            }
            result.append(narrow)
        }
        return result
    }

    /// Whole numbers without a trailing `.0`.
    static func text(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
