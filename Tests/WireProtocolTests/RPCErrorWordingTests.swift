import Testing
import WireProtocol

/// Errors that reach a person name the field and what JSON was expected, never a Swift type.
@Suite struct RPCErrorWordingTests {
    static let swiftNames = ["Int64", "Int32", "String", "Dictionary", "Array", "Optional", "DecodingError", "Timestamp", "Double"]

    @Test(arguments: [
        (#"{"client_send":"now"}"#, "client_send", "an object"),
        (#"{"client_send":{"sec":"x","nsec":0}}"#, "client_send.sec", "an integer in"),
        (#"{"client_send":{"sec":1e30,"nsec":0}}"#, "client_send.sec", "an integer in"),
        (#"{"client_send":{"sec":1,"nsec":4294967296}}"#, "client_send.nsec", "an integer in -2147483648...2147483647"),
        (#"{"client_send":{"sec":1}}"#, "client_send.nsec", "missing field"),
    ])
    func mismatchesAreDescribedInJSONWords(params: String, field: String, expected: String) throws {
        let json = try JSONValue(parsing: Array(params.utf8))
        let error = try #require(throws: RPCError.self) { try RPCCodec.decode(ProbeParams.self, from: json) }
        #expect(error.code == RPCError.invalidParams)
        #expect(error.message.contains("\"\(field)\""), "\(error.message)")
        #expect(error.message.contains(expected), "\(error.message)")
        for name in Self.swiftNames { #expect(!error.message.contains(name), "\(error.message)") }
    }
}
