import SecureTransport
import Testing

@Suite struct EndpointTests {
    @Test(arguments: [
        ("127.0.0.2:7480", "127.0.0.2", 7480),
        ("127.0.0.2", "127.0.0.2", 7480),
        ("pve1:9000", "pve1", 9000),
        ("[::1]:7481", "::1", 7481),
        ("::1", "::1", 7480),
        ("[fd00::2]", "fd00::2", 7480),
    ] as [(String, String, Int)])
    func parses(text: String, host: String, port: Int) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(Int(endpoint.port) == port)
    }

    @Test(arguments: ["", ":7480", "pve1:0", "pve1:70000", "pve1:abc", "[::1", "[::1]x", "pve 1", "a/b"])
    func rejects(text: String) {
        let error = #expect(throws: TransportError.self) { _ = try Endpoint(parsing: text) }
        #expect(error?.kind == .invalidAddress)
        #expect(error?.description.contains("\"\(text)\"") == true)
    }

    @Test func describesIPv6WithBrackets() throws {
        #expect(try Endpoint(parsing: "[::1]:7480").description == "[::1]:7480")
        #expect(try Endpoint(parsing: "10.0.0.1").description == "10.0.0.1:7480")
    }
}
