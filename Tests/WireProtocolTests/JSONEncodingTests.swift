import JSONCore
import Testing

/// The encoder's fast paths (digits written in place, strings copied whole when nothing needs
/// escaping, keys sorted once) print exactly what the protocol's vectors expect.
@Suite struct JSONEncodingTests {
    @Test(arguments: [
        (JSONValue.integer(0), "0"), (.integer(-7), "-7"), (.integer(1_234_567_890), "1234567890"),
        (.integer(Int64.max), "9223372036854775807"), (.integer(Int64.min), "-9223372036854775808"),
        (.number(2.0), "2"), (.number(-0.000_012_5), "-1.25e-05"), (.number(1796173178.457033), "1796173178.457033"),
        (.number(.infinity), "null"), (.number(1e300), "1e+300"), (.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
        (.string(""), #""""#), (.string("node2 ok"), #""node2 ok""#), (.string("a\"b\\c\nd\te\r\u{01}/é"), #""a\"b\\c\nd\te\r\u0001/é""#),
        (.array([]), "[]"), (.object([:]), "{}"),
        (.object(["b": .array([.integer(1), .null]), "a": .object(["z": .bool(true), "y": .string("x")]), "A": .integer(2)]),
         #"{"A":2,"a":{"y":"x","z":true},"b":[1,null]}"#),
    ])
    func encodes(value: JSONValue, text: String) throws {
        #expect(value.encodedText == text)
        // A whole double prints as an integer (and reads back as one), infinity as null.
        if case .number(let x) = value, !x.isFinite || x == x.rounded() { return }
        #expect(try JSONValue(parsing: value.encodedBytes()) == value)
    }
}
