import Testing
import WireProtocol

@Suite struct FrameDecoderTests {
    static let payloads: [[UInt8]] = [Array("{\"a\":1}".utf8), [0x7B], Array(repeating: 0x41, count: 300), Array("ü€".utf8)]

    /// Every split of a valid stream into two reads yields the same frames (swift-nio's verifier habit).
    @Test func everySplitPointYieldsTheSameFrames() throws {
        let stream = Self.payloads.flatMap(Frame.encode)
        for split in 0...stream.count {
            var decoder = FrameDecoder()
            var frames: [[UInt8]] = []
            for part in [stream[..<split], stream[split...]] {
                decoder.append(part)
                while let frame = try decoder.next() { frames.append(frame) }
            }
            #expect(frames == Self.payloads, "split at \(split)")
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func byteByByteDelivery() throws {
        var decoder = FrameDecoder()
        var frames: [[UInt8]] = []
        for byte in Self.payloads.flatMap(Frame.encode) {
            decoder.append([byte])
            while let frame = try decoder.next() { frames.append(frame) }
        }
        #expect(frames == Self.payloads)
    }

    @Test func headerIsBigEndian() {
        #expect(Frame.encode(Array(repeating: 0, count: 0x010203)).prefix(4) == [0x00, 0x01, 0x02, 0x03])
    }

    @Test func zeroLengthIsAnError() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 0])
        #expect(throws: FrameError(kind: .zeroLength, length: 0, limit: Frame.defaultMaxPayload)) { try decoder.next() }
    }

    @Test func oversizedLengthIsCaughtFromTheHeaderAlone() {
        var decoder = FrameDecoder(maxPayload: 1024)
        decoder.append([0, 0, 0x04, 0x01])  // 1025, no payload yet
        let error = #expect(throws: FrameError.self) { try decoder.next() }
        #expect(error?.kind == .tooLong)
        #expect(error?.description == "frame length 1025 exceeds the limit of 1024 bytes")
    }

    @Test func limitIsInclusive() throws {
        var decoder = FrameDecoder(maxPayload: 4)
        decoder.append(Frame.encode([1, 2, 3, 4]))
        #expect(try decoder.next() == [1, 2, 3, 4])
    }

    @Test func partialFrameWaits() throws {
        var decoder = FrameDecoder()
        decoder.append(Frame.encode([1, 2, 3]).dropLast())
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 6)
    }

    /// Random bytes: frames or errors, never a crash or an unbounded buffer.
    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var decoder = FrameDecoder(maxPayload: 512)
            let count = Int(generator.next() % 64)
            decoder.append((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            while true {
                do {
                    guard let frame = try decoder.next() else { break }
                    #expect(!frame.isEmpty && frame.count <= 512)
                } catch {
                    break
                }
            }
        }
    }
}

/// A small seeded generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
