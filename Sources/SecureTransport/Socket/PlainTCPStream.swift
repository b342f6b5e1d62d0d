import ClockSync
import HostSystem
internal import COpenSSL
internal import Glibc

/// An outgoing TCP connection without TLS, for the one plaintext protocol Meridian speaks as a
/// client: an alert webhook's HTTP/1.1 POST (`meridian serve`). Agents and the API never use it.
///
/// Numeric addresses only: no name is ever resolved (an offline cluster has no DNS, and a lookup
/// could block past every deadline). Every call takes a deadline; nothing here blocks longer.
/// Not shared: one thread uses a stream, then closes it.
public final class PlainTCPStream {
    private let socket: Socket
    public let peer: Endpoint

    private init(socket: Socket, peer: Endpoint) { self.socket = socket; self.peer = peer }

    /// Connects to `endpoint`, whose host must be an IPv4 or IPv6 literal.
    public static func connect(to endpoint: Endpoint, timeout: Duration) throws(TransportError) -> PlainTCPStream {
        guard IPAddress(endpoint.host) != nil else {
            throw TransportError(.invalidAddress, "\(endpoint): the host must be an IP address (no name lookups)")
        }
        return PlainTCPStream(socket: try Socket.connect(to: endpoint, timeout: timeout), peer: endpoint)
    }

    /// Sends every byte before `deadline`.
    public func write(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(socket.fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 { offset += sent; continue }
            let code = errno
            guard code == EAGAIN || code == EWOULDBLOCK || code == EINTR else {
                throw TransportError(.io, "send to \(peer) failed: \(Errno(rawValue: code))")
            }
            guard try socket.wait(writable: true, until: deadline) else {
                throw TransportError(.timedOut, "send to \(peer) did not finish in time")
            }
        }
    }

    /// Up to `maxBytes` received before `deadline`; [] when the peer closed.
    public func read(maxBytes: Int, until deadline: ContinuousClock.Instant) throws(TransportError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            let code = errno
            if code == ECONNRESET { return [] }
            guard code == EAGAIN || code == EWOULDBLOCK || code == EINTR else {
                throw TransportError(.io, "receive from \(peer) failed: \(Errno(rawValue: code))")
            }
            guard try socket.wait(readable: true, until: deadline) else {
                throw TransportError(.timedOut, "\(peer) sent nothing in time")
            }
        }
    }

    public func close() { socket.close() }
}
