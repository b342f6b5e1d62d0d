#if canImport(Glibc)
import Glibc
#endif
import JSONCore

/// The input libFuzzer hands a harness, as bytes and (when it is valid UTF-8) as text.
struct FuzzInput {
    let bytes: [UInt8]

    init(_ start: UnsafeRawPointer?, _ count: Int) {
        if let start, count > 0 {
            bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
        } else {
            bytes = []
        }
    }

    /// The text a parser of tool output would be given: lossy decoding, as `readText` does.
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A property the harness checks beyond "no crash". A broken property is a finding: it prints
/// what broke and aborts, so libFuzzer saves the input exactly as it does for a trap.
/// (`abort` rather than `fatalError`: the house rules keep `fatalError` out of the code, and a
/// harness's whole job is to stop on a finding.)
func require(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition {
        let message = "fuzz property broken: \(what())\n"
        var bytes = Array(message.utf8)
        _ = write(2, &bytes, bytes.count)
        abort()
    }
}

/// A double a parser may hand on: a real number, never NaN or ±inf.
func isReal(_ value: Double) -> Bool { value.isFinite }

/// Equal as JSON: a whole-valued double (`0.000000`) is written as `0` and reads back as an
/// integer; the accessors (`intValue`, `doubleValue`) and the decoder treat both alike.
func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): return Double(x) == y
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { sameJSON(value, $0) } ?? false }
    default: return a == b
    }
}
