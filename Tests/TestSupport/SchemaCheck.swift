import JSONCore

/// A small JSON Schema checker for the `--json` outputs published in `protocol/schemas`: the
/// subset those schemas use (`type`, `required`, `properties`, `items`, `enum`,
/// `additionalProperties: false`). Returns every violation with its JSON path, so a test's
/// failure message says what drifted; an empty list means the value follows the schema.
public enum SchemaCheck {
    /// `protocol/schemas/NAME` in this source tree.
    public static func schemaPath(_ name: String, file: StaticString = #filePath) -> String {
        var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/TestSupport/SchemaCheck.swift
        return parts.joined(separator: "/") + "/protocol/schemas/" + name
    }

    public static func load(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: Array(try readText(schemaPath(name)).utf8))
    }

    public static func violations(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        var found: [String] = []
        if let types = schema["type"].map(typeNames), !types.contains(where: { matches(value, $0) }) {
            found.append("\(path): \(value.kindName), expected \(types.joined(separator: " or "))")
            return found
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            found.append("\(path): \(value) is not one of \(allowed)")
        }
        if case .object(let members) = value {
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
                found.append("\(path): missing required \"\(key)\"")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] {
                    found += violations(of: member, against: property, at: "\(path).\(key)")
                } else if schema["additionalProperties"] == .bool(false) {
                    found.append("\(path): \"\(key)\" is not in the schema")
                }
            }
        }
        if case .array(let elements) = value, let items = schema["items"] {
            for (index, element) in elements.enumerated() { found += violations(of: element, against: items, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func typeNames(_ type: JSONValue) -> [String] {
        type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .integer), ("number", .number), ("integer", .integer): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}
