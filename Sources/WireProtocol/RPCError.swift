/// A JSON-RPC 2.0 error object. Codes below -32000 are JSON-RPC's; -32001… are Meridian's
/// (see protocol/PROTOCOL.md).
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let frameTooLarge = -32001
    public static let emptyFrame = -32002
    public static let unsupportedVersion = -32003
    public static let notHelloFirst = -32004
    public static let busy = -32005
    public static let actionFailed = -32010

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFound, message: "method not found: \(method)")
    }

    public static func invalidParams(_ why: String) -> RPCError {
        RPCError(code: invalidParams, message: "invalid params: \(why)")
    }

    public var description: String { "\(message) (JSON-RPC error \(code))" }

    var json: JSONValue {
        var members: [String: JSONValue] = ["code": .integer(Int64(code)), "message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }
}

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

public struct RPCRequest: Sendable, Equatable {
    /// nil for a notification, which gets no answer.
    public var id: RPCID?
    public var method: String
    public var params: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }
}

public struct RPCResponse: Sendable, Equatable {
    /// nil when the request could not be read far enough to know its id.
    public var id: RPCID?
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RPCID?, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }
}

/// A request that could not be accepted, with its id when it could be recovered so the error
/// answer can carry it.
public struct RPCFailure: Error, Sendable, Equatable {
    public var id: RPCID?
    public var error: RPCError

    public init(id: RPCID?, error: RPCError) {
        self.id = id
        self.error = error
    }
}
