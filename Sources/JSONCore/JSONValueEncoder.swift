/// Encodes `Encodable` types into a `JSONValue` tree, without Foundation (see `JSONValueDecoder`).
/// `nil` optionals are left out, as Foundation's JSONEncoder does.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = Node()
        try Self.encode(value, into: root, codingPath: [])
        return root.value
    }

    static func encode<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
        switch value {
        case let flag as Bool: node.kind = .leaf(.bool(flag))
        case let text as String: node.kind = .leaf(.string(text))
        case let number as Double: node.kind = .leaf(.number(number))
        case let number as Float: node.kind = .leaf(.number(Double(number)))
        case let number as Int: node.kind = .leaf(.integer(Int64(number)))
        case let number as Int64: node.kind = .leaf(.integer(number))
        case let number as Int32: node.kind = .leaf(.integer(Int64(number)))
        case let number as UInt16: node.kind = .leaf(.integer(Int64(number)))
        case let number as UInt32: node.kind = .leaf(.integer(Int64(number)))
        case let number as UInt64:
            guard let exact = Int64(exactly: number) else {
                throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "above Int64"))
            }
            node.kind = .leaf(.integer(exact))
        case let json as JSONValue: node.kind = .leaf(json)
        default: try value.encode(to: ValueEncoder(node: node, codingPath: codingPath))
        }
    }
}

/// A mutable tree the containers write into; turned into a `JSONValue` at the end.
final class Node {
    enum Kind { case empty, leaf(JSONValue), object([String: Node]), array([Node]) }
    var kind = Kind.empty

    var value: JSONValue {
        switch kind {
        case .empty: .object([:])
        case .leaf(let value): value
        case .object(let members): .object(members.mapValues(\.value))
        case .array(let items): .array(items.map(\.value))
        }
    }

    func member(_ key: String) -> Node {
        var members: [String: Node] = [:]
        if case .object(let existing) = kind { members = existing }
        if let found = members[key] { return found }
        let child = Node()
        members[key] = child
        kind = .object(members)
        return child
    }

    func ensureObject() { if case .object = kind { return }; kind = .object([:]) }
    func ensureArray() { if case .array = kind { return }; kind = .array([]) }

    func append() -> Node {
        var items: [Node] = []
        if case .array(let existing) = kind { items = existing }
        let child = Node()
        items.append(child)
        kind = .array(items)
        return child
    }

    var arrayCount: Int { if case .array(let items) = kind { items.count } else { 0 } }
}

private struct ValueEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.ensureObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.ensureArray()
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(node: node, codingPath: codingPath) }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).kind = .leaf(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try JSONValueEncoder.encode(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.member(key.stringValue)
        child.ensureObject()
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.member(key.stringValue)
        child.ensureArray()
        return UnkeyedEncoder(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.arrayCount }

    mutating func encodeNil() throws { node.append().kind = .leaf(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try JSONValueEncoder.encode(value, into: node.append(), codingPath: codingPath + [AnyCodingKey(intValue: index)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = node.append()
        child.ensureObject()
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = node.append()
        child.ensureArray()
        return UnkeyedEncoder(node: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.append(), codingPath: codingPath) }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { node.kind = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try JSONValueEncoder.encode(value, into: node, codingPath: codingPath) }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // Reached only through other decoders (JSONValueDecoder hands the value over directly).
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Int64.self) { self = .integer(number) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .string(text) }
        else if let items = try? container.decode([JSONValue].self) { self = .array(items) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .integer(let number): try container.encode(number)
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}
