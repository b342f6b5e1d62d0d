import Glibc
import HostSystem
import SecureTransport

/// A TCP connection without TLS, for tests that play a misbehaving peer (plaintext, silence,
/// half a TLS record) or a flood from several loopback source addresses. Meridian itself never
/// sends protocol data without TLS, so this lives with the tests, not in SecureTransport.
///
/// Not `Sendable`: a connection belongs to the test thread that made it.
public final class PlainConnection {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close() }

    /// Connects to a numeric IPv4 `endpoint`, optionally from `source` (an address of this host).
    public static func connect(to endpoint: Endpoint, from source: String? = nil, timeout: Duration) throws(TransportError) -> PlainConnection {
        guard let remote = ipv4(endpoint.host, endpoint.port) else {
            throw TransportError(.invalidAddress, "plain test connections take an IPv4 address, got \(endpoint.host)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TransportError(.io, "cannot create socket: \(Errno.current)") }
        let connection = PlainConnection(fd: fd)
        if let source {
            guard var local = ipv4(source, 0) else { throw TransportError(.invalidAddress, "source \(source) is not an IPv4 address") }
            guard withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }) == 0 else {
                throw TransportError(.io, "cannot bind \(source): \(Errno.current)")
            }
        }
        var address = remote
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw TransportError(.connectFailed, "cannot connect to \(endpoint): \(Errno.current)") }
            guard try connection.wait(events: Int16(POLLOUT), until: ContinuousClock.now + timeout) else {
                throw TransportError(.timedOut, "connect to \(endpoint) did not finish within \(timeout)")
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { throw TransportError(.connectFailed, "cannot connect to \(endpoint): \(Errno(rawValue: soError))") }
        }
        return connection
    }

    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 { offset += sent; continue }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw TransportError(.io, "send failed: \(Errno(rawValue: code))") }
            guard try wait(events: Int16(POLLOUT), until: deadline) else { throw TransportError(.timedOut, "send did not finish within \(timeout)") }
        }
    }

    /// Bytes received, or [] when the peer closed (or reset).
    public func read(maxBytes: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            let code = errno
            if code == ECONNRESET { return [] }
            guard code == EAGAIN || code == EINTR else { throw TransportError(.io, "recv failed: \(Errno(rawValue: code))") }
            guard try wait(events: Int16(POLLIN), until: deadline) else { throw TransportError(.timedOut, "no data within \(timeout)") }
        }
    }

    public func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    private func wait(events: Int16, until deadline: ContinuousClock.Instant) throws(TransportError) -> Bool {
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return false }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&descriptor, 1, Int32(clamping: max(1, Int64(remaining.seconds * 1000))))
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { throw TransportError(.io, "poll failed: \(Errno.current)") }
        }
    }

    private static func ipv4(_ host: String, _ port: UInt16) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
