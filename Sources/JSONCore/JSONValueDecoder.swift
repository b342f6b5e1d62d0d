/// Decodes `Decodable` types from a `JSONValue` tree, without Foundation: the agent ships as a
/// small static binary, and FoundationEssentials alone would add megabytes to it.
/// Errors are `DecodingError`s whose coding path names the field.
public struct JSONValueDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: ValueDecoder(value: value, codingPath: []))
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: Any.Type, _ what: String) -> DecodingError {
        DecodingError.typeMismatch(expected, .init(codingPath: codingPath, debugDescription: "expected \(what), found \(value.kindName)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: Any].self, "an object") }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([Any].self, "an array") }
        return Unkeyed(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let wide: Int64?
        switch value {
        case .integer(let number): wide = number
        case .number(let number) where number.rounded() == number && abs(number) < 9.2e18: wide = Int64(number)
        default: wide = nil
        }
        guard let wide, let result = T(exactly: wide) else { throw mismatch(T.self, "an integer that fits \(T.self)") }
        return result
    }

    func decodeDouble() throws -> Double {
        guard let number = value.doubleValue else { throw mismatch(Double.self, "a number") }
        return number
    }

    /// The value as `T`, after `decodeAny` matched the type (a mismatch cannot happen; it would
    /// still be an error, not a crash).
    func cast<T>(_ value: Any) throws -> T {
        guard let typed = value as? T else { throw mismatch(T.self, "\(T.self)") }
        return typed
    }

    func decodeAny<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Bool.Type:
            guard case .bool(let flag) = value else { throw mismatch(Bool.self, "a boolean") }
            return try cast(flag)
        case is String.Type:
            guard case .string(let text) = value else { throw mismatch(String.self, "a string") }
            return try cast(text)
        case is Double.Type: return try cast(try decodeDouble())
        case is Float.Type: return try cast(Float(try decodeDouble()))
        case is Int.Type: return try cast(try decodeInteger(Int.self))
        case is Int64.Type: return try cast(try decodeInteger(Int64.self))
        case is Int32.Type: return try cast(try decodeInteger(Int32.self))
        case is UInt16.Type: return try cast(try decodeInteger(UInt16.self))
        case is UInt32.Type: return try cast(try decodeInteger(UInt32.self))
        case is UInt64.Type: return try cast(try decodeInteger(UInt64.self))
        case is JSONValue.Type: return try cast(value)
        default: return try T(from: self)
        }
    }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func child(_ key: Key) throws -> ValueDecoder {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing \"\(key.stringValue)\""))
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue] == nil || members[key.stringValue] == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = try child(key)
        if decoder.value == .null, !(T.self is JSONValue.Type) {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: decoder.codingPath, debugDescription: "null"))
        }
        return try decoder.decodeAny(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(members), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array has only \(items.count) items"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], codingPath: codingPath + [AnyCodingKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, items[currentIndex] == .null { currentIndex += 1; return true }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeAny(T.self) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct Single: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeAny(T.self) }
}
