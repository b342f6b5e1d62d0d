import Testing
import TestSupport
import WireProtocol

/// The example frames in protocol/vectors are normative: the Swift codec must produce them byte
/// for byte and read them back, so the published spec and the code cannot drift apart.
@Suite struct ProtocolVectorTests {
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/WireProtocolTests/ProtocolVectorTests.swift
        return parts.joined(separator: "/")
    }()

    static func load(_ name: String) throws -> [JSONValue] {
        let text = try readText(root + "/protocol/vectors/" + name)
        return try JSONValue(parsing: Array(text.utf8)).arrayValue ?? []
    }

    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    @Test func validVectorsEncodeByteForByteAndDecode() throws {
        let vectors = try Self.load("frames.json")
        #expect(vectors.count >= 10)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            let json = try #require(vector["json"])
            let frame = Self.bytes(hex: try #require(vector["frame_hex"]?.stringValue))
            var decoder = FrameDecoder()
            decoder.append(frame)
            let payload = try #require(try decoder.next(), "\(name): no frame")
            #expect(payload == json.encodedBytes(), "\(name): payload differs from the JSON")
            #expect(Frame.encode(json.encodedBytes()) == frame, "\(name)")
            if vector["kind"] == .string("request") {
                let request = try RPCCodec.decodeRequest(payload).get()
                #expect(RPCCodec.encodeRequest(request) == payload, "\(name)")
            } else {
                let response = try RPCCodec.decodeResponse(payload)
                #expect(RPCCodec.encodeResponse(response) == payload, "\(name)")
            }
        }
    }

    @Test func typedMessagesMatchTheVectors() throws {
        let vectors = try Self.load("frames.json")
        func result(_ name: String) throws -> JSONValue {
            try #require(vectors.first { $0["name"] == .string(name) }?["json"]?["result"])
        }
        let hello = try RPCCodec.decode(HelloResult.self, from: try result("hello result"))
        #expect(!hello.capabilities.isEmpty && hello.capabilities.allSatisfy { Method(rawValue: $0) != nil }, "every advertised capability is a method")
        #expect(try RPCCodec.encode(hello) == (try result("hello result")))
        let probe = try RPCCodec.decode(ProbeResult.self, from: try result("probe result"))
        #expect(Timestamp.nanosecondsBetween(probe.send, probe.receive) == 20_000)
    }

    @Test func invalidVectorsFailAsSpecified() throws {
        let vectors = try Self.load("invalid.json")
        #expect(vectors.count >= 8)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            var decoder = FrameDecoder()
            decoder.append(Self.bytes(hex: try #require(vector["frame_hex"]?.stringValue)))
            switch vector["expect"] {
            case .string(let kind)?:
                let error = #expect(throws: FrameError.self, "\(name)") { try decoder.next() }
                #expect(error.map { "\($0.kind)" } == kind, "\(name)")
            case .integer(let code)?:
                let payload = try #require(try decoder.next(), "\(name)")
                guard case .failure(let failure) = RPCCodec.decodeRequest(payload) else {
                    Issue.record("\(name): accepted")
                    continue
                }
                #expect(failure.error.code == Int(code), "\(name): \(failure.error)")
            default:
                Issue.record("\(name): no expectation")
            }
        }
    }
}
