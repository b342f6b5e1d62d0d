import Testing
import WireProtocol

/// The agent skips a frame it has no memory budget for without buffering it, then carries on
/// with the next frame; whatever the read sizes were.
@Suite struct FrameDecoderDiscardTests {
    static let skipped = Frame.encode(Array(repeating: UInt8(ascii: "x"), count: 5000))
    static let next = Frame.encode(Array(#"{"id":2}"#.utf8))

    @Test(arguments: [1, 3, 4, 7, 100, 4096, 10_000])
    func aDiscardedFrameIsSkippedAndTheNextOneDecodes(chunk: Int) throws {
        var decoder = FrameDecoder(maxPayload: 8192)
        let stream = Self.skipped + Self.next
        var decoded: [[UInt8]] = []
        var discarded = false
        var offset = 0
        while offset < stream.count {
            decoder.append(stream[offset..<min(offset + chunk, stream.count)])
            offset += chunk
            if !discarded, decoder.pendingFrameLength == 5000 {
                decoder.discardNextFrame()
                discarded = true
            }
            #expect(decoder.bufferedByteCount <= max(chunk, Self.next.count) + 4, "payload of the skipped frame is not buffered")
            while let payload = try decoder.next() { decoded.append(payload) }
        }
        #expect(discarded)
        #expect(!decoder.isDiscarding)
        #expect(decoded == [Array(#"{"id":2}"#.utf8)])
    }

    @Test func pendingLengthIsKnownFromTheHeaderAlone() {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 1])
        #expect(decoder.pendingFrameLength == nil)
        decoder.append([0])
        #expect(decoder.pendingFrameLength == 256)
    }
}
