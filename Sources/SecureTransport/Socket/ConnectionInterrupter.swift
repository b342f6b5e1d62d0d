import Synchronization
internal import Glibc

/// Lets one thread cut off a connection that another thread is serving (the agent evicts the
/// oldest connection still handshaking when a new one needs the slot).
///
/// It holds its own duplicate of the socket's descriptor: `shutdown` acts on the socket, so the
/// serving thread's poll wakes up and its handshake fails, while the number it shuts down can never
/// belong to a socket that was closed and reused meanwhile. `close()` when the connection is done.
public final class ConnectionInterrupter: Sendable {
    private let descriptor: Mutex<Int32>

    init(socket: Socket) { descriptor = Mutex(socket.duplicate()) }

    deinit { close() }

    /// Shuts the socket down both ways; a no-op once closed.
    public func interrupt() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    public func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -1
        }
    }
}
