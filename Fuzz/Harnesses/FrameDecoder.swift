import WireProtocol

/// The frame decoder: any byte stream, fed in the chunk sizes the input's first byte picks, must
/// give the same payloads (or the same error) as one decoder fed the whole stream at once, and
/// every payload must re-encode to exactly the bytes it was cut from.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let first = input.bytes.first else { return 0 }
    let stream = Array(input.bytes.dropFirst())
    let limit = 64 + Int(first) * 16  // small limits so "too long" is reachable
    let whole = decodeAll(stream, chunk: stream.count + 1, limit: limit)
    let chunk = Int(first % 7) + 1
    let pieces = decodeAll(stream, chunk: chunk, limit: limit)
    require(whole == pieces, "payloads depend on read sizes (chunk \(chunk))")
    var consumed = 0
    for payload in whole.payloads {
        require(!payload.isEmpty && payload.count <= limit, "payload of \(payload.count) bytes passed limit \(limit)")
        let frame = Frame.encode(payload)
        require(Array(stream[consumed..<consumed + frame.count]) == frame, "payload does not re-encode to its frame")
        consumed += frame.count
    }
    if whole.error == nil {
        require(stream.count - consumed == whole.leftover, "leftover \(whole.leftover) but \(stream.count - consumed) unread")
    }
    return 0
}

private struct Decoded: Equatable {
    var payloads: [[UInt8]] = []
    var error: FrameError?
    var leftover = 0
}

private func decodeAll(_ stream: [UInt8], chunk: Int, limit: Int) -> Decoded {
    var decoder = FrameDecoder(maxPayload: limit)
    var result = Decoded()
    var offset = 0
    while offset < stream.count {
        let end = min(stream.count, offset + chunk)
        decoder.append(stream[offset..<end])
        offset = end
        do {
            while let payload = try decoder.next() { result.payloads.append(payload) }
        } catch {
            result.error = error
            return result
        }
    }
    result.leftover = decoder.bufferedByteCount
    return result
}
