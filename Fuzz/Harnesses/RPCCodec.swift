import WireProtocol

/// The JSON-RPC codec: a payload decodes as a request, or fails with a standard JSON-RPC code;
/// a decoded request or response re-encodes to a payload that decodes to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRPCCodec(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    switch RPCCodec.decodeRequest(input.bytes) {
    case .success(let request):
        switch RPCCodec.decodeRequest(RPCCodec.encodeRequest(request)) {
        case .success(let again):
            require(again.id == request.id && again.method == request.method, "request does not round-trip: \(request)")
            require(sameJSON(again.params ?? .null, request.params ?? .null), "params do not round-trip: \(request)")
        case .failure(let failure):
            require(false, "re-encoded request does not decode: \(failure.error) for \(request)")
        }
        checkTypedParams(request.params)
    case .failure(let failure):
        let codes = [RPCError.parseError, RPCError.invalidRequest]
        require(codes.contains(failure.error.code), "request failure with code \(failure.error.code)")
        require(!failure.error.message.isEmpty, "request failure without a message")
    }
    do {
        let response = try RPCCodec.decodeResponse(input.bytes)
        let again = try RPCCodec.decodeResponse(RPCCodec.encodeResponse(response))
        require(again.id == response.id, "response id does not round-trip: \(response)")
        switch (again.outcome, response.outcome) {
        case (.success(let a), .success(let b)): require(sameJSON(a, b), "result does not round-trip: \(b)")
        case (.failure(let a), .failure(let b)):
            require(a.code == b.code && a.message == b.message, "error does not round-trip: \(b)")
            require(sameJSON(a.data ?? .null, b.data ?? .null), "error data does not round-trip: \(b)")
        default: require(false, "response outcome changes kind: \(response)")
        }
    } catch {
        require(!error.message.isEmpty, "response failure without a message")
    }
    return 0
}

/// Typed params through JSONValueDecoder/Encoder: what decodes re-encodes to the same value.
private func checkTypedParams(_ params: JSONValue?) {
    guard let hello = try? RPCCodec.decode(HelloParams.self, from: params) else { return }
    do {
        let again = try RPCCodec.decode(HelloParams.self, from: RPCCodec.encode(hello))
        require(again == hello, "HelloParams do not round-trip: \(hello)")
    } catch {
        require(false, "HelloParams re-encoding does not decode: \(error)")
    }
}
