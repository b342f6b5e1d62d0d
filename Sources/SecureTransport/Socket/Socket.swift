import HostSystem
internal import COpenSSL
internal import Glibc

/// Owns one non-blocking socket descriptor and closes it exactly once.
///
/// Every wait is a `poll` with a deadline, so no call here blocks longer than its caller allows.
/// A socket is used by one thread at a time (the connection's or the accept loop's).
final class Socket: @unchecked Sendable {
    private(set) var fd: Int32

    init(adopting fd: Int32) { self.fd = fd }
    deinit { close() }

    func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    /// Half-closes, then discards what the peer still sends until it closes or the time is up.
    func lingeringClose(timeout: Duration) {
        guard fd >= 0 else { return }
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + timeout
        var scratch = [UInt8](repeating: 0, count: 4096)
        while (try? wait(readable: true, until: deadline)) == true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) { break }
        }
        close()
    }


    private static func makeSocket(family: Int32) throws(TransportError) -> Socket {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(family, type, 0)
        guard fd >= 0 else { throw TransportError(.io, "cannot create socket: \(Errno.current)") }
        return Socket(adopting: fd)
    }

    /// Connects to the first address of `endpoint` that answers before the deadline.
    static func connect(to endpoint: Endpoint, timeout: Duration) throws(TransportError) -> Socket {
        let deadline = ContinuousClock.now + timeout
        var lastError = TransportError(.connectFailed, "cannot connect to \(endpoint): no address")
        for address in try SocketAddress.resolve(endpoint) {
            let socket = try makeSocket(family: address.family)
            var storage = address.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket.fd, $0, address.length) }
            }
            if rc != 0 {
                let code = errno
                guard code == EINPROGRESS || code == EINTR else {
                    lastError = TransportError(.connectFailed, "cannot connect to \(endpoint): \(Errno(rawValue: code))")
                    continue
                }
                guard try socket.wait(writable: true, until: deadline) else {
                    throw TransportError(.timedOut, "connect to \(endpoint) timed out (timeout \(Self.describe(timeout)))")
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                guard soError == 0 else {
                    lastError = TransportError(.connectFailed, "cannot connect to \(endpoint): \(Errno(rawValue: soError))")
                    continue
                }
            }
            socket.setNoDelay()
            return socket
        }
        throw lastError
    }

    static func listen(on endpoint: Endpoint, backlog: Int32) throws(TransportError) -> Socket {
        guard let address = SocketAddress(numericHost: endpoint.host, port: endpoint.port) else {
            throw TransportError(.invalidAddress, "cannot listen on \(endpoint): the host must be an IP address")
        }
        let socket = try makeSocket(family: address.family)
        var one: Int32 = 1
        setsockopt(socket.fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket.fd, $0, address.length) }
        }
        guard bound == 0 else { throw TransportError(.io, "cannot listen on \(endpoint): \(Errno.current)") }
        guard Glibc.listen(socket.fd, backlog) == 0 else {
            throw TransportError(.io, "cannot listen on \(endpoint): \(Errno.current)")
        }
        return socket
    }

    /// The next pending connection, or nil when none arrived before the deadline.
    ///
    /// `accept4(SOCK_CLOEXEC | SOCK_NONBLOCK)`: with `accept` + `fcntl` a `posix_spawn` on another
    /// thread (chronyc, systemctl) could inherit the client socket in between.
    /// Out of descriptors (EMFILE, ENFILE) or memory throws `.limit` at once: the pending
    /// connection stays queued, so retrying without a pause would spin; the caller backs off.
    func accept(until deadline: ContinuousClock.Instant) throws(TransportError) -> (Socket, Endpoint)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = meridian_accept_cloexec(fd, &storage, &length)
            if client >= 0 {
                let socket = Socket(adopting: client)
                socket.setNoDelay()
                return (socket, SocketAddress(storage: storage, length: length).endpoint)
            }
            let code = errno
            switch code {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EAGAIN, EWOULDBLOCK:
                guard try wait(readable: true, until: deadline) else { return nil }
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                throw TransportError(.limit, "cannot accept: \(Errno(rawValue: code))")
            default:
                throw TransportError(.io, "cannot accept: \(Errno(rawValue: code))")
            }
        }
    }

    /// A second descriptor for the same socket, so another thread can `shutdown` it (see
    /// `ConnectionInterrupter`) without ever touching a descriptor number that was closed and reused.
    func duplicate() -> Int32 { fcntl(fd, F_DUPFD_CLOEXEC, 0) }

    /// Waits until the socket is readable or writable; false when the deadline passed first.
    func wait(readable: Bool = false, writable: Bool = false, until deadline: ContinuousClock.Instant) throws(TransportError) -> Bool {
        var events: Int16 = 0
        if readable { events |= Int16(POLLIN) }
        if writable { events |= Int16(POLLOUT) }
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return false }
            let (seconds, attoseconds) = remaining.components
            let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            let milliseconds = overflow ? Int32.max : Int32(clamping: scaled + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&descriptor, 1, max(1, milliseconds))
            if rc > 0 { return true }  // readable, writable, or an error/hangup the next call reports
            if rc < 0 {
                let code = errno
                if code == EINTR { continue }
                throw TransportError(.io, "poll failed: \(Errno(rawValue: code))")
            }
        }
    }

    var localEndpoint: Endpoint {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return SocketAddress(storage: storage, length: length).endpoint
    }

    /// `5 s`, `250 ms`: a configured timeout as a person reads it.
    static func describe(_ timeout: Duration) -> String {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if seconds >= 1 { return seconds == seconds.rounded() && seconds < 1e15 ? "\(Int64(seconds)) s" : "\(seconds) s" }
        return "\(Int64((seconds * 1000).rounded())) ms"
    }

    private func setNoDelay() {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
