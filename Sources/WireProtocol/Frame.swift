/// Framing on the wire: a 4-byte unsigned big-endian length, then that many bytes of UTF-8 JSON.
public enum Frame {
    /// 1 MiB: far above any Meridian message (a chrony.conf is a few KiB), low enough that a
    /// hostile length cannot make the agent allocate much.
    public static let defaultMaxPayload = 1 << 20
    public static let headerSize = 4

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
public struct FrameDecoder: Sendable {
    public let maxPayload: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxPayload: Int = Frame.defaultMaxPayload) {
        self.maxPayload = maxPayload
    }

    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole payload, or nil until more bytes arrive. A bad length is reported as soon
    /// as its 4 header bytes are here, before any payload is buffered.
    public mutating func next() throws(FrameError) -> [UInt8]? {
        guard bufferedByteCount >= Frame.headerSize else { return nil }
        let length = UInt32(buffer[readIndex]) << 24 | UInt32(buffer[readIndex + 1]) << 16
            | UInt32(buffer[readIndex + 2]) << 8 | UInt32(buffer[readIndex + 3])
        if length == 0 { throw FrameError(kind: .zeroLength, length: 0, limit: maxPayload) }
        if Int(length) > maxPayload { throw FrameError(kind: .tooLong, length: length, limit: maxPayload) }
        let start = readIndex + Frame.headerSize
        guard buffer.count - start >= Int(length) else { return nil }
        let payload = Array(buffer[start..<start + Int(length)])
        readIndex = start + Int(length)
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 64 * 1024 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        return payload
    }
}
