import HostSystem
import Synchronization
internal import COpenSSL
internal import Glibc

/// One connection over a local Unix stream socket: the API's socket on the master, where the
/// kernel vouches for the peer (SO_PEERCRED) and TLS would add nothing. Frames as over TLS.
///
/// `@unchecked Sendable`: reads and writes are plain non-blocking syscalls the kernel allows
/// from two threads at once; the descriptor is closed under `lock`, which `interrupt` also takes,
/// so a shutdown never reaches a reused descriptor number.
public final class LocalConnection: FrameStream, @unchecked Sendable {
    private let socket: Socket
    /// A pthread mutex, as TLSConnection's `sslLock` (ThreadSanitizer sees its ordering).
    /// Its state is a byte, unused: a zero-sized one shares its address with the mutex pointer,
    /// and ThreadSanitizer took reading the one and locking the other for a race.
    private let lock = ThreadCondition<UInt8>(0)
    /// The peer's uid as the kernel reported it at accept (nil on the client side).
    public let peerUID: UInt32?
    public let remoteDescription: String

    init(socket: Socket, peerUID: UInt32?, description: String) {
        self.socket = socket
        self.peerUID = peerUID
        remoteDescription = description
    }

    deinit { close() }

    /// Connects to the server socket at `path`.
    public static func connect(path: String, timeout: Duration) throws(TransportError) -> LocalConnection {
        LocalConnection(socket: try Socket.connectUnix(path, timeout: timeout), peerUID: nil, description: path)
    }

    public func read(maxBytes: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            let fd = socket.fd
            guard fd >= 0 else { throw TransportError(.closed, "reading from \(remoteDescription) failed: connection closed") }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 {
                buffer.removeSubrange(count...)
                return buffer
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                guard try socket.wait(readable: true, until: deadline) else {
                    throw TransportError(.timedOut, "no data from \(remoteDescription) within \(timeout)")
                }
            case ECONNRESET, EPIPE: return []
            default: throw TransportError(.io, "reading from \(remoteDescription) failed: \(Errno(rawValue: code))")
            }
        }
    }

    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let fd = socket.fd
            guard fd >= 0 else { throw TransportError(.closed, "writing to \(remoteDescription) failed: connection closed") }
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                offset += count
                continue
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                guard try socket.wait(writable: true, until: deadline) else {
                    throw TransportError(.timedOut, "\(remoteDescription) did not take \(bytes.count) bytes within \(timeout)")
                }
            case EPIPE, ECONNRESET: throw TransportError(.closed, "writing to \(remoteDescription) failed: connection closed by peer")
            default: throw TransportError(.io, "writing to \(remoteDescription) failed: \(Errno(rawValue: code))")
            }
        }
    }

    public func interrupt() {
        lock.withLock { _ in
            if socket.fd >= 0 { _ = shutdown(socket.fd, Int32(SHUT_RDWR)) }
        }
    }

    public func close() {
        lock.withLock { _ in socket.close() }
    }
}

extension Socket {
    /// A connected stream socket to the Unix socket at `path` (non-blocking connect, bounded).
    static func connectUnix(_ path: String, timeout: Duration) throws(TransportError) -> Socket {
        var pending: Int32 = 0
        let fd = meridian_unix_connect(path, &pending)
        guard fd >= 0 else { throw TransportError(.connectFailed, "cannot connect to \(path): \(Errno.current)") }
        let socket = Socket(adopting: fd)
        if pending != 0 {
            guard try socket.wait(writable: true, until: ContinuousClock.now + timeout) else {
                throw TransportError(.timedOut, "connect to \(path) timed out (timeout \(Socket.describe(timeout)))")
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { throw TransportError(.connectFailed, "cannot connect to \(path): \(Errno(rawValue: soError))") }
        }
        return socket
    }
}
