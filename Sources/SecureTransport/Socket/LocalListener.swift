import HostSystem
internal import COpenSSL
internal import Glibc

/// A listening Unix stream socket (the API's `/run/meridian/api.sock`): mode 0600, a stale socket
/// file from an earlier run replaced, a live one or any other file left alone. Every accepted
/// peer comes with its uid from SO_PEERCRED, which the kernel fills in and the peer cannot forge.
///
/// `@unchecked Sendable`: built on one thread, then used by the accept loop's thread alone.
public final class LocalListener: @unchecked Sendable {
    private let socket: Socket
    public let path: String

    public init(path: String, backlog: Int32 = 64) throws(TransportError) {
        guard path.hasPrefix("/") else { throw TransportError(.invalidAddress, "socket path \"\(path)\" must be absolute") }
        let fd = meridian_unix_listen(path, backlog)
        guard fd >= 0 else {
            let code = errno
            let why: String
            switch code {
            case EADDRINUSE: why = "another server is listening on it"
            case EEXIST: why = "a file that is not a socket is in the way (not replaced)"
            case ENAMETOOLONG: why = "the path is longer than 107 bytes"
            default: why = Errno(rawValue: code).description
            }
            throw TransportError(.io, "cannot listen on \(path): \(why)")
        }
        socket = Socket(adopting: fd)
        self.path = path
    }

    /// The next connection with its peer's uid, or nil if none arrived before the timeout.
    /// Out of descriptors throws `.limit` at once, as `TLSListener` does.
    public func accept(timeout: Duration) throws(TransportError) -> LocalConnection? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let client = meridian_unix_accept(socket.fd)
            if client >= 0 {
                let accepted = Socket(adopting: client)
                var uid: UInt32 = 0
                guard meridian_peer_uid(client, &uid) == 0 else {
                    throw TransportError(.io, "cannot read the peer credentials of a connection on \(path): \(Errno.current)")
                }
                return LocalConnection(socket: accepted, peerUID: uid, description: "local uid \(uid)")
            }
            let code = errno
            switch code {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK:
                guard try socket.wait(readable: true, until: deadline) else { return nil }
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                throw TransportError(.limit, "cannot accept on \(path): \(Errno(rawValue: code))")
            default:
                throw TransportError(.io, "cannot accept on \(path): \(Errno(rawValue: code))")
            }
        }
    }

    /// Closes the socket and removes its file. Used by the accept loop's own thread only.
    public func close() {
        guard socket.fd >= 0 else { return }
        socket.close()
        _ = unlink(path)
    }
}
