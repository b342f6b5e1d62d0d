@_exported import JSONCore

/// JSON-RPC 2.0 envelopes to and from frame payloads, and typed params/results to and from JSON.
public enum RPCCodec {
    public static func encodeRequest(_ request: RPCRequest) -> [UInt8] {
        var members: [String: JSONValue] = ["jsonrpc": .string("2.0"), "method": .string(request.method)]
        if let id = request.id { members["id"] = id.json }
        if let params = request.params { members["params"] = params }
        return JSONValue.object(members).encodedBytes()
    }

    public static func encodeResponse(_ response: RPCResponse) -> [UInt8] {
        var members: [String: JSONValue] = ["jsonrpc": .string("2.0"), "id": response.id?.json ?? .null]
        switch response.outcome {
        case .success(let result): members["result"] = result
        case .failure(let error): members["error"] = error.json
        }
        return JSONValue.object(members).encodedBytes()
    }

    public static func decodeRequest(_ bytes: [UInt8]) -> Result<RPCRequest, RPCFailure> {
        let object: [String: JSONValue]
        switch envelope(bytes) {
        case .failure(let error): return .failure(RPCFailure(id: nil, error: error))
        case .success(let members): object = members
        }
        let id: RPCID?
        switch object["id"] {
        case nil, .null?: id = nil
        case .integer(let value)?: id = .number(value)
        case .string(let value)?: id = .string(value)
        case let other?:
            return .failure(RPCFailure(id: nil, error: RPCError(code: RPCError.invalidRequest, message: "id must be an integer or a string, got \(other.kindName)")))
        }
        func invalid(_ message: String) -> Result<RPCRequest, RPCFailure> {
            .failure(RPCFailure(id: id, error: RPCError(code: RPCError.invalidRequest, message: message)))
        }
        guard object["jsonrpc"] == .string("2.0") else { return invalid("\"jsonrpc\" must be \"2.0\"") }
        guard let method = object["method"]?.stringValue else { return invalid("\"method\" must be a string") }
        let params = object["params"]
        switch params {
        case nil, .object?, .array?: break
        case let other?: return invalid("\"params\" must be an object or an array, got \(other.kindName)")
        }
        let unknown = Set(object.keys).subtracting(["jsonrpc", "id", "method", "params"])
        guard unknown.isEmpty else { return invalid("unknown member \"\(unknown.sorted()[0])\" in request") }
        return .success(RPCRequest(id: id, method: method, params: params))
    }

    public static func decodeResponse(_ bytes: [UInt8]) throws(RPCError) -> RPCResponse {
        let object = try envelope(bytes).get()
        guard object["jsonrpc"] == .string("2.0") else {
            throw RPCError(code: RPCError.invalidRequest, message: "response: \"jsonrpc\" must be \"2.0\"")
        }
        let id: RPCID?
        switch object["id"] {
        case .integer(let value)?: id = .number(value)
        case .string(let value)?: id = .string(value)
        case nil, .null?: id = nil
        default: throw RPCError(code: RPCError.invalidRequest, message: "response: id must be an integer, a string or null")
        }
        switch (object["result"], object["error"]) {
        case (let result?, nil):
            return RPCResponse(id: id, outcome: .success(result))
        case (nil, let error?):
            guard let code = error["code"]?.intValue, let message = error["message"]?.stringValue else {
                throw RPCError(code: RPCError.invalidRequest, message: "response: error needs an integer code and a string message")
            }
            return RPCResponse(id: id, outcome: .failure(RPCError(code: Int(code), message: message, data: error["data"])))
        default:
            throw RPCError(code: RPCError.invalidRequest, message: "response must carry exactly one of result and error")
        }
    }

    /// A payload as a JSON object: valid UTF-8, valid JSON, an object.
    private static func envelope(_ bytes: [UInt8]) -> Result<[String: JSONValue], RPCError> {
        // All-ASCII payloads (the usual case) need no UTF-8 check, and skipping it saves a copy
        // of the whole payload (1 MiB for the largest frame).
        let ascii = bytes.allSatisfy { $0 < 0x80 }
        guard ascii || String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(RPCError(code: RPCError.parseError, message: "frame is not valid UTF-8"))
        }
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch {
            return .failure(RPCError(code: RPCError.parseError, message: "frame is not valid JSON: \(error)"))
        }
        guard case .object(let members) = value else {
            return .failure(RPCError(code: RPCError.invalidRequest, message: "message must be a JSON object, got \(value.kindName)"))
        }
        return .success(members)
    }

    /// A typed value as JSON (for params and results).
    public static func encode<T: Encodable>(_ value: T) throws(RPCError) -> JSONValue {
        do {
            return try JSONValueEncoder().encode(value)
        } catch {
            throw RPCError(code: RPCError.internalError, message: "cannot encode a message: \(error)")
        }
    }

    /// Typed params or result from JSON; a mismatch names the field and what was expected.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue?) throws(RPCError) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: value ?? .object([:]))
        } catch let error as DecodingError {
            throw RPCError.invalidParams(describe(error))
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError.invalidParams("\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            // `intent.servers[0].address`: an index follows its array without a dot.
            codingPath.isEmpty ? "the top level" : codingPath.enumerated().map { index, key in
                key.intValue.map { "[\($0)]" } ?? (index == 0 ? "" : ".") + key.stringValue
            }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(expectation(type))"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context.codingPath))\" must be \(expectation(type)), got null"
        case .dataCorrupted(let context):
            return "field \"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "a field has the wrong shape"
        }
    }

    /// What a person should send, in JSON words: a Swift type name (`Int64`, `Dictionary<String, Any>`)
    /// means nothing to whoever reads the error.
    public static func expectation(_ type: Any.Type) -> String {
        func integer<T: FixedWidthInteger>(_: T.Type) -> String { "an integer in \(T.min)...\(T.max)" }
        switch type {
        case is Int64.Type, is Int.Type: return integer(Int64.self)
        case is Int32.Type: return integer(Int32.self)
        case is Int16.Type: return integer(Int16.self)
        case is Int8.Type: return integer(Int8.self)
        case is UInt64.Type, is UInt.Type: return integer(UInt64.self)
        case is UInt32.Type: return integer(UInt32.self)
        case is UInt16.Type: return integer(UInt16.self)
        case is UInt8.Type: return integer(UInt8.self)
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array<") { return "an array" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            if name.hasPrefix("Optional<") { return "a value or null" }
            return "a value of another type"
        }
    }
}
