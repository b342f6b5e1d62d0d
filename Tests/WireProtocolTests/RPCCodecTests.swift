import Testing
import WireProtocol

@Suite struct RPCCodecTests {
    @Test func requestEncodingIsCompactSortedAndDeterministic() throws {
        let request = RPCRequest(id: .number(7), method: "time.probe",
                                 params: .object(["client_send": .object(["sec": .integer(1_700_000_000), "nsec": .integer(5)])]))
        let text = String(decoding: RPCCodec.encodeRequest(request), as: UTF8.self)
        #expect(text == #"{"id":7,"jsonrpc":"2.0","method":"time.probe","params":{"client_send":{"nsec":5,"sec":1700000000}}}"#)
        #expect(try RPCCodec.decodeRequest(Array(text.utf8)).get() == request)
    }

    @Test func responsesRoundTrip() throws {
        let ok = RPCResponse(id: .string("a/b"), outcome: .success(.object(["node": .string("pve1"), "x": .number(2.5)])))
        let text = String(decoding: RPCCodec.encodeResponse(ok), as: UTF8.self)
        #expect(text == #"{"id":"a/b","jsonrpc":"2.0","result":{"node":"pve1","x":2.5}}"#)
        #expect(try RPCCodec.decodeResponse(Array(text.utf8)) == ok)
        let failed = RPCResponse(id: nil, outcome: .failure(RPCError.methodNotFound("agent.nope")))
        #expect(try RPCCodec.decodeResponse(RPCCodec.encodeResponse(failed)) == failed)
    }

    @Test(arguments: [
        ([0xFF, 0xFE], RPCError.parseError),
        (Array("{\"jsonrpc\":\"2.0\",".utf8), RPCError.parseError),
        (Array("[1,2]".utf8), RPCError.invalidRequest),
        (Array("\"hello\"".utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"1.0","id":1,"method":"agent.ping"}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1,"method":5}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1,"method":"x","extra":1}"#.utf8), RPCError.invalidRequest),
        (Array(#"{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}"#.utf8), RPCError.parseError),
    ] as [([UInt8], Int)])
    func badRequestsGetTheRightCode(bytes: [UInt8], code: Int) {
        switch RPCCodec.decodeRequest(bytes) {
        case .success(let request): Issue.record("accepted \(request)")
        case .failure(let failure): #expect(failure.error.code == code, "\(failure.error)")
        }
    }

    @Test func idIsRecoveredForTheErrorAnswer() {
        guard case .failure(let failure) = RPCCodec.decodeRequest(Array(#"{"jsonrpc":"2.0","id":9,"method":true}"#.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(failure.id == .number(9))
    }

    @Test func typedParamsNameTheBadField() {
        let error = #expect(throws: RPCError.self) {
            _ = try RPCCodec.decode(ProbeParams.self, from: .object(["client_send": .object(["sec": .integer(1), "nsec": .integer(2_000_000_000)])]))
        }
        #expect(error?.code == RPCError.invalidParams)
        #expect(error?.message.contains("client_send.nsec") == true)
        let missing = #expect(throws: RPCError.self) { _ = try RPCCodec.decode(HelloParams.self, from: .object([:])) }
        #expect(missing?.message.contains("missing field") == true)
    }

    @Test func typedMessagesUseSnakeCase() throws {
        let hello = HelloResult(node: "pve1", agentVersion: "0.1.0", protocolVersion: 1, capabilities: ["agent.ping"])
        let json = try RPCCodec.encode(hello)
        #expect(json["agent_version"] == .string("0.1.0"))
        #expect(json["protocol_version"] == .integer(1))
        #expect(try RPCCodec.decode(HelloResult.self, from: json) == hello)
    }

    @Test func jsonTextRoundTripsEscapes() throws {
        let value = JSONValue.object(["s": .string("a\"b\\c\n\u{01}é/😀"), "n": .number(-1.25e-7), "i": .integer(Int64.min), "a": .array([.null, .bool(false)])])
        #expect(try JSONValue(parsing: value.encodedBytes()) == value)
        #expect(try JSONValue(parsing: Array(#""\ud83d\ude00\u00e9""#.utf8)) == .string("😀é"))
    }

    @Test func deepNestingIsRefused() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 10_000)
        #expect(throws: JSONValue.SyntaxError.self) { _ = try JSONValue(parsing: deep) }
    }

    /// Random bytes and mutated valid messages: an answer or an error, never a crash.
    @Test func randomInputNeverCrashes() {
        var generator = SplitMix64(seed: 7)
        let valid = Array(#"{"id":1,"jsonrpc":"2.0","method":"time.probe","params":{"client_send":{"nsec":5,"sec":17}}}"#.utf8)
        for round in 0..<5000 {
            var bytes = valid
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 48)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                for _ in 0..<3 { bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            }
            if case .success(let request) = RPCCodec.decodeRequest(bytes) {
                // Whatever was accepted must survive its own encoding unchanged.
                #expect((try? RPCCodec.decodeRequest(RPCCodec.encodeRequest(request)).get()) == request)
            }
            _ = try? RPCCodec.decodeResponse(bytes)
        }
    }
}
