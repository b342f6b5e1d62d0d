import HostSystem
internal import Glibc

/// A TCP connection without TLS. Meridian never sends protocol data over it; it exists so tests
/// and diagnostics can play a misbehaving peer (plaintext, silence, half a TLS record).
public final class PlainConnection: @unchecked Sendable {
    private let socket: Socket

    private init(_ socket: Socket) { self.socket = socket }

    public static func connect(to endpoint: Endpoint, timeout: Duration) throws(TransportError) -> PlainConnection {
        PlainConnection(try Socket.connect(to: endpoint, timeout: timeout))
    }

    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 { offset += sent; continue }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw TransportError(.io, "send failed: \(Errno(rawValue: code))") }
            guard try socket.wait(writable: true, until: deadline) else { throw TransportError(.timedOut, "send timed out") }
        }
    }

    /// Bytes received, or [] when the peer closed.
    public func read(maxBytes: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            let code = errno
            if code == ECONNRESET { return [] }
            guard code == EAGAIN || code == EINTR else { throw TransportError(.io, "recv failed: \(Errno(rawValue: code))") }
            guard try socket.wait(readable: true, until: deadline) else { throw TransportError(.timedOut, "no data within \(timeout)") }
        }
    }

    public func close() { socket.close() }
}
