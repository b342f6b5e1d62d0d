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
