/// A request id: JSON-RPC allows numbers and strings.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .number(let value): String(value)
        case .string(let value): "\"\(value)\""
        }
    }

    var json: JSONValue {
        switch self {
        case .number(let value): .integer(value)
        case .string(let value): .string(value)
        }
    }
}
