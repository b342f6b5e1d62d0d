#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONCore
import Testing
import WireProtocol

/// Replays every input under `Fuzz/regressions/{JSON,FrameDecoder,RPCCodec}/` through the checks
/// the libFuzzer harnesses make, each in its own process (an exit test), so `swift test` proves a
/// fix without libFuzzer. (The ClockSync harnesses are replayed in ClockSyncTests.)
@Suite struct WireFuzzRegressionTests {
    static let harnesses = ["JSON", "FrameDecoder", "RPCCodec", "ProbeResult"]


    /// `Fuzz/regressions/<harness>/<name>`, found from this file's path.
    static let inputs: [WireFuzzInput] = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/WireProtocolTests/FuzzRegressionTests.swift
        let root = parts.joined(separator: "/") + "/Fuzz/regressions"
        return harnesses.flatMap { harness in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(harness)")) ?? []).sorted().compactMap { name in
                FileManager.default.contents(atPath: "\(root)/\(harness)/\(name)").map {
                    WireFuzzInput(harness: harness, name: name, bytes: Array($0))
                }
            }
        }
    }()

    @Test(arguments: inputs)
    func replay(_ input: WireFuzzInput) {
        Self.replayInProcess(input)
    }

    /// In this process: a regression that crashes again fails the run loudly, and a broken
    /// property is reported with its message. (Not an exit test: Swift Testing 6.3's exit-test
    /// monitor busy-waits in waitid(P_ALL) while any other test's child is unreaped, which
    /// pinned a core and kept the whole run from exiting.)
    static func replayInProcess(_ input: WireFuzzInput) {
        #expect(throws: Never.self, "\(input)") { try WireFuzzChecks.check(input.harness, input.bytes) }
    }

    /// The checks themselves can fail: a frame stream whose payloads depend on read sizes would.
    @Test func checksAcceptTheProtocolVectorsShape() throws {
        let frame = Frame.encode(Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.ping\"}".utf8))
        try WireFuzzChecks.check("FrameDecoder", [3] + frame + frame)
        try WireFuzzChecks.check("RPCCodec", Array(frame.dropFirst(Frame.headerSize)))
        try WireFuzzChecks.check("JSON", Array("{\"a\":[1,2.5,\"x\",null,true]}".utf8))
        #expect(throws: WireFuzzPropertyBroken.self) { try WireFuzzChecks.check("NoSuchHarness", []) }
    }
}

struct WireFuzzInput: Sendable, CustomTestStringConvertible {
    let harness: String
    let name: String
    let bytes: [UInt8]
    var testDescription: String { "\(harness)/\(name)" }
}

struct WireFuzzPropertyBroken: Error, CustomStringConvertible {
    let description: String
}

/// The properties of Fuzz/Harnesses/{JSON,FrameDecoder,RPCCodec}.swift; keep them in step.
enum WireFuzzChecks {
    static func require(_ condition: Bool, _ what: @autoclosure () -> String) throws(WireFuzzPropertyBroken) {
        if !condition { throw WireFuzzPropertyBroken(description: "fuzz property broken: \(what())") }
    }

    static func check(_ harness: String, _ bytes: [UInt8]) throws(WireFuzzPropertyBroken) {
        switch harness {
        case "JSON": try json(bytes)
        case "FrameDecoder": try frames(bytes)
        case "RPCCodec": try rpc(bytes)
        case "ProbeResult": try probe(bytes)
        default: throw WireFuzzPropertyBroken(description: "no check for harness \(harness)")
        }
    }

    static func json(_ bytes: [UInt8]) throws(WireFuzzPropertyBroken) {
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch {
            try require(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset)")
            return
        }
        try require((try? JSONValue(parsing: value.encodedBytes())).map { same($0, value) } == true, "compact encoding does not round-trip")
        try require((try? JSONValue(parsing: Array(value.prettyText.utf8))).map { same($0, value) } == true, "pretty encoding does not round-trip")
    }

    static func frames(_ bytes: [UInt8]) throws(WireFuzzPropertyBroken) {
        guard let first = bytes.first else { return }
        let stream = Array(bytes.dropFirst()), limit = 64 + Int(first) * 16
        let whole = decode(stream, chunk: stream.count + 1, limit: limit)
        try require(whole == decode(stream, chunk: Int(first % 7) + 1, limit: limit), "payloads depend on read sizes")
        var consumed = 0
        for payload in whole.payloads {
            let frame = Frame.encode(payload)
            try require(!payload.isEmpty && payload.count <= limit && consumed + frame.count <= stream.count, "payload of \(payload.count) bytes")
            try require(Array(stream[consumed..<consumed + frame.count]) == frame, "payload does not re-encode to its frame")
            consumed += frame.count
        }
    }

    static func rpc(_ bytes: [UInt8]) throws(WireFuzzPropertyBroken) {
        switch RPCCodec.decodeRequest(bytes) {
        case .success(let request):
            guard case .success(let again) = RPCCodec.decodeRequest(RPCCodec.encodeRequest(request)) else {
                throw WireFuzzPropertyBroken(description: "re-encoded request does not decode: \(request)")
            }
            try require(again.id == request.id && again.method == request.method && same(again.params ?? .null, request.params ?? .null),
                        "request does not round-trip: \(request)")
        case .failure(let failure):
            try require([RPCError.parseError, RPCError.invalidRequest].contains(failure.error.code), "code \(failure.error.code)")
        }
        if let response = try? RPCCodec.decodeResponse(bytes) {
            let again = try? RPCCodec.decodeResponse(RPCCodec.encodeResponse(response))
            switch (again?.outcome, response.outcome) {
            case (.success(let a)?, .success(let b)): try require(again?.id == response.id && same(a, b), "result does not round-trip")
            case (.failure(let a)?, .failure(let b)): try require(a.code == b.code && a.message == b.message, "error does not round-trip")
            default: throw WireFuzzPropertyBroken(description: "response does not round-trip: \(response)")
            }
        }
    }

    static func probe(_ bytes: [UInt8]) throws(WireFuzzPropertyBroken) {
        guard let json = try? JSONValue(parsing: bytes), let result = try? RPCCodec.decode(ProbeResult.self, from: json) else { return }
        let t1 = Timestamp(seconds: 1_764_000_000, nanoseconds: 0), t4 = Timestamp(seconds: 1_764_000_000, nanoseconds: 2_000_000)
        let sample = ClockSample(t1: t1, t2: result.receive, t3: result.send, t4: t4)
        try require(sample.offset.isFinite && sample.delay.isFinite, "offset \(sample.offset), delay \(sample.delay)")
    }

    /// As the harnesses compare: a whole-valued double is written as an integer and reads back as one.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)): return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        default: return a == b
        }
    }

    struct Decoded: Equatable {
        var payloads: [[UInt8]] = []
        var error: FrameError?
        var leftover = 0
    }

    static func decode(_ stream: [UInt8], chunk: Int, limit: Int) -> Decoded {
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
}
