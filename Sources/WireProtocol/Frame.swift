/// Framing on the wire: a 4-byte unsigned big-endian length, then that many bytes of UTF-8 JSON.
public enum Frame {
    /// 1 MiB: far above any Meridian message (a chrony.conf is a few KiB), low enough that a
    /// hostile length cannot make the agent allocate much.
    public static let defaultMaxPayload = 1 << 20
    public static let headerSize = 4

    /// Our own payloads only (answers are bounded far below 4 GiB: command output is capped at
    /// 1 MiB per stream); a longer one would be cut to its low 32 bits of length, never trap.
    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(truncatingIfNeeded: payload.count)
        var frame: [UInt8] = [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        frame.reserveCapacity(headerSize + payload.count)
        frame.append(contentsOf: payload)
        return frame
    }
}

/// A frame header that cannot be honoured; the stream cannot be trusted after it.
public struct FrameError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable { case zeroLength, tooLong }
    public let kind: Kind
    public let length: UInt32
    public let limit: Int

    public init(kind: Kind, length: UInt32, limit: Int) {
        self.kind = kind
        self.length = length
        self.limit = limit
    }

    public var description: String {
        switch kind {
        case .zeroLength: "frame length 0 is invalid"
        case .tooLong: "frame length \(length) exceeds the limit of \(limit) bytes"
        }
    }
}

/// Cuts a byte stream into frame payloads, whatever the read sizes were.
///
/// Memory: once a header is in, the buffer grows to exactly that frame (no doubling), a frame that
/// fills the buffer is handed over without a copy, and a buffer grown past 64 KiB is released when
/// it empties, so a connection that once sent 1 MiB does not keep 1 MiB for the rest of its life.
public struct FrameDecoder: Sendable {
    public let maxPayload: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Payload bytes of a refused frame still to be dropped as they arrive (`discardNextFrame`).
    private var toDiscard = 0
    static let keptCapacity = 64 * 1024

    public init(maxPayload: Int = Frame.defaultMaxPayload) {
        self.maxPayload = maxPayload
    }

    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True while the payload of a refused frame is being skipped.
    public var isDiscarding: Bool { toDiscard > 0 }

    /// The length announced by the next frame's header, once its 4 bytes are here (not checked
    /// against the limit: `next()` does that).
    public var pendingFrameLength: Int? {
        guard toDiscard == 0, bufferedByteCount >= Frame.headerSize else { return nil }
        return Int(header(at: readIndex))
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0 && readIndex == buffer.count { reset() }
        if toDiscard > 0 {
            var rest = Array(bytes)
            let dropped = min(toDiscard, rest.count)
            toDiscard -= dropped
            rest.removeFirst(dropped)
            buffer.append(contentsOf: rest)
            return
        }
        buffer.append(contentsOf: bytes)
    }

    /// Skips the next frame (its header must be here) without buffering its payload: the payload
    /// bytes already buffered are dropped now, the rest as `append` receives them.
    public mutating func discardNextFrame() {
        guard let length = pendingFrameLength else { return }
        readIndex += Frame.headerSize
        let buffered = min(length, bufferedByteCount)
        readIndex += buffered
        toDiscard = length - buffered
        if readIndex == buffer.count { reset() }
    }

    /// The next whole payload, or nil until more bytes arrive. A bad length is reported as soon
    /// as its 4 header bytes are here, before any payload is buffered.
    public mutating func next() throws(FrameError) -> [UInt8]? {
        guard toDiscard == 0, bufferedByteCount >= Frame.headerSize else { return nil }
        let length = header(at: readIndex)
        if length == 0 { throw FrameError(kind: .zeroLength, length: 0, limit: maxPayload) }
        if Int(length) > maxPayload { throw FrameError(kind: .tooLong, length: length, limit: maxPayload) }
        let start = readIndex + Frame.headerSize
        let end = start + Int(length)
        guard buffer.count >= end else {
            if buffer.capacity < end { buffer.reserveCapacity(end) }
            return nil
        }
        if readIndex == 0 && end == buffer.count {
            // The frame is the whole buffer: hand it over in place.
            var payload = buffer
            buffer = []
            payload.removeFirst(Frame.headerSize)
            return payload
        }
        let payload = Array(buffer[start..<end])
        readIndex = end
        if readIndex == buffer.count {
            reset()
        } else if readIndex > Self.keptCapacity {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        return payload
    }

    private func header(at index: Int) -> UInt32 {
        UInt32(buffer[index]) << 24 | UInt32(buffer[index + 1]) << 16 | UInt32(buffer[index + 2]) << 8 | UInt32(buffer[index + 3])
    }

    private mutating func reset() {
        readIndex = 0
        if buffer.capacity > Self.keptCapacity { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
    }
}
