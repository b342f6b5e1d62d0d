import JSONCore

/// The JSON parser: any bytes either throw `SyntaxError` at an offset inside the input, or give
/// a value whose compact and pretty encodings both parse back to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let value: JSONValue
    do {
        value = try JSONValue(parsing: input.bytes)
    } catch {
        require(error.offset >= 0 && error.offset <= input.bytes.count, "error offset \(error.offset) outside \(input.bytes.count) bytes")
        require(!error.reason.isEmpty, "syntax error without a reason")
        return 0
    }
    let compact = value.encodedBytes()
    require(String(validating: compact, as: UTF8.self) != nil, "encoding is not valid UTF-8")
    do {
        require(sameJSON(try JSONValue(parsing: compact), value), "compact encoding does not round-trip: \(value.encodedText)")
        require(sameJSON(try JSONValue(parsing: Array(value.prettyText.utf8)), value), "pretty encoding does not round-trip")
    } catch {
        require(false, "own encoding does not parse: \(error) in \(value.encodedText)")
    }
    return 0
}
