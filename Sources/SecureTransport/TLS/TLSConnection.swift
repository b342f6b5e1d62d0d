import ClockSync
import HostSystem
import Synchronization
internal import COpenSSL
internal import Glibc

/// Owns one `SSL*` over one non-blocking socket.
///
/// `@unchecked Sendable` so it can be handed to the thread that serves it. OpenSSL forbids using
/// one `SSL*` from two threads at once, so every OpenSSL call on it runs under `sslLock`, held
/// for that one non-blocking call and never across a wait: one thread may read while another
/// writes (a server pushing notifications), each blocking only in its own `poll`.
public final class TLSConnection: FrameStream, @unchecked Sendable {
    private let socket: Socket
    /// A pthread mutex (`ThreadCondition`'s) rather than `Synchronization.Mutex`: it guards state
    /// outside itself (the `SSL*`, the socket), and ThreadSanitizer sees the ordering a pthread
    /// mutex makes but not that of Mutex's futex, so it reported interrupt/close as a race.
    /// Its state is a byte, unused: a zero-sized one shares its address with the mutex pointer,
    /// and ThreadSanitizer took reading the one and locking the other for a race.
    private let sslLock = ThreadCondition<UInt8>(0)
    /// Whom this side accepts (names the rule when the peer's certificate is refused).
    private let peerRoles: [CertificateRole]
    /// The versions this side speaks, for the message when a peer offers none of them.
    private let versions: String
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let ssl: OpaquePointer
    private let isClient: Bool
    private var handshakeDone = false
    public let remote: Endpoint
    /// `host:port` of the peer, for log lines and error messages.
    public var remoteDescription: String { remote.description }
    /// The verified peer certificate's identity, once the handshake is done.
    public private(set) var peer: PeerIdentity?

    init(socket: Socket, context: TLSContext, remote: Endpoint, isClient: Bool) throws(TransportError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw OpenSSLError.failure(.tls, "cannot create TLS session") }
        self.ssl = ssl
        self.socket = socket
        self.remote = remote
        self.isClient = isClient
        peerRoles = context.configuration.peer.roles
        versions = context.versions
        guard SSL_set_fd(ssl, socket.fd) == 1 else { throw OpenSSLError.failure(.tls, "cannot attach TLS to socket") }
    }

    deinit {
        close()
        SSL_free(ssl)
    }

    /// Connects, completes the TLS handshake and checks that the agent's certificate names
    /// `expectedNode` (a DNS name, or an IP address when it is an address literal; the endpoint's
    /// host when nil).
    ///
    /// In TLS 1.3 the client's handshake may finish before the agent has judged our certificate;
    /// a rejection then surfaces on the first read. Count a connection as up only after a reply.
    public static func connect(
        to endpoint: Endpoint, context: TLSContext, expectedNode: String? = nil, timeout: Duration
    ) throws(TransportError) -> TLSConnection {
        try connect(to: endpoint, context: context, expectedNode: expectedNode, timeout: timeout, offering: nil)
    }

    /// `session`: offer to resume it (tests only; the agent must refuse and authenticate afresh).
    static func connect(
        to endpoint: Endpoint, context: TLSContext, expectedNode: String?, timeout: Duration, offering session: TLSSession?
    ) throws(TransportError) -> TLSConnection {
        let deadline = ContinuousClock.now + timeout
        guard context.configuration.role != .agent else {
            throw TransportError(.config, "a TLS client needs a coordinator or operator certificate, not \(context.configuration.role.rawValue)")
        }
        let socket = try Socket.connect(to: endpoint, timeout: timeout)
        let connection = try TLSConnection(socket: socket, context: context, remote: endpoint, isClient: true)
        let identity = expectedNode ?? endpoint.host
        ERR_clear_error()
        if IPAddress(identity) != nil {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection.ssl), identity) == 1 else {
                throw OpenSSLError.failure(.invalidAddress, "cannot expect IP address \(identity)")
            }
        } else {
            guard SSL_set1_host(connection.ssl, identity) == 1, meridian_set_sni(connection.ssl, identity) == 1 else {
                throw OpenSSLError.failure(.invalidAddress, "cannot expect node name \(identity)")
            }
        }
        if let session, SSL_set_session(connection.ssl, session.pointer) != 1 {
            throw OpenSSLError.failure(.tls, "cannot offer the earlier session")
        }
        SSL_set_connect_state(connection.ssl)
        try connection.runHandshake(until: deadline, expected: identity)
        return connection
    }

    /// Server side: runs the handshake of an accepted connection (see `TLSListener`).
    public func handshake(timeout: Duration) throws(TransportError) {
        SSL_set_accept_state(ssl)
        try runHandshake(until: ContinuousClock.now + timeout, expected: nil)
    }

    private func runHandshake(until deadline: ContinuousClock.Instant, expected: String?) throws(TransportError) {
        while true {
            ERR_clear_error()
            let rc = SSL_do_handshake(ssl)
            if rc == 1 { break }
            let code = SSL_get_error(ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                try waitForSocket(code, until: deadline, else: "TLS handshake with \(remote) did not finish in time")
            default:
                throw failure(code, during: "TLS handshake with \(remote)", expected: expected)
            }
        }
        handshakeDone = true
        peer = X509Certificate.peer(of: ssl)?.summary
    }

    /// Up to `maxBytes` decrypted bytes; an empty array when the peer closed the connection.
    public func read(maxBytes: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
        while true {
            let step = sslLock.withLock { _ -> Step in
                guard socket.fd >= 0 else { return .failed(TransportError(.closed, "reading from \(remote) failed: connection closed")) }
                ERR_clear_error()
                var count = 0
                let rc = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
                if rc == 1 { return .done(count) }
                let code = SSL_get_error(ssl, rc)
                switch code {
                case SSL_ERROR_ZERO_RETURN: return .done(0)
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wait(code)
                case SSL_ERROR_SYSCALL where errno == 0 || errno == ECONNRESET || errno == EPIPE: return .done(0)
                default: return .failed(failure(code, during: "reading from \(remote)", expected: nil))
                }
            }
            switch step {
            case .done(let count):
                buffer.removeSubrange(count...)
                return buffer
            case .wait(let code):
                try waitForSocket(code, until: deadline, else: "no data from \(remote) within \(timeout)")
            case .failed(let error):
                throw error
            }
        }
    }

    /// Writes all of `bytes` (partial writes are resumed) before the deadline.
    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let step = sslLock.withLock { _ -> Step in
                guard socket.fd >= 0 else { return .failed(TransportError(.closed, "writing to \(remote) failed: connection closed")) }
                ERR_clear_error()
                var count = 0
                let rc = bytes.withUnsafeBytes { raw -> Int32 in
                    guard let base = raw.baseAddress else { return 0 }
                    return SSL_write_ex(ssl, base + offset, raw.count - offset, &count)
                }
                if rc == 1 { return .done(count) }
                let code = SSL_get_error(ssl, rc)
                switch code {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wait(code)
                default: return .failed(failure(code, during: "writing to \(remote)", expected: nil))
                }
            }
            switch step {
            case .done(let count):
                offset += count
            case .wait(let code):
                try waitForSocket(code, until: deadline, else: "\(remote) did not take \(bytes.count) bytes within \(timeout)")
            case .failed(let error):
                throw error
            }
        }
    }

    /// Waits for what OpenSSL asked for (readable or writable); `timeoutMessage` names the step.
    private func waitForSocket(_ code: Int32, until deadline: ContinuousClock.Instant,
                               else timeoutMessage: @autoclosure () -> String) throws(TransportError) {
        guard try socket.wait(readable: code == SSL_ERROR_WANT_READ, writable: code == SSL_ERROR_WANT_WRITE, until: deadline) else {
            throw TransportError(.timedOut, timeoutMessage())
        }
    }

    /// One non-blocking OpenSSL call's result, taken out of the lock before any wait.
    private enum Step {
        case done(Int)
        case wait(Int32)
        case failed(TransportError)
    }

    /// Shuts the socket down both ways (see `FrameStream.interrupt`); a no-op once closed.
    public func interrupt() {
        sslLock.withLock { _ in
            if socket.fd >= 0 { _ = shutdown(socket.fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Sends close_notify if the session is up (without waiting for the peer's) and closes the socket.
    public func close() {
        sslLock.withLock { _ in closeLocked() }
    }

    private func closeLocked() {
        guard socket.fd >= 0 else { return }
        if handshakeDone {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        } else if !isClient {
            // A refused client may still be sending (TLS 1.3: its Finished and first request).
            // Closing with unread data makes the kernel send RST, which can destroy our alert
            // in the client's buffer before it reads it; drain briefly so it learns why.
            socket.lingeringClose(timeout: .milliseconds(250))
        }
        socket.close()
    }

    /// Turns a failed OpenSSL call into an error that names the reason: our own verification of
    /// the peer, an alert in which the peer refused us, a closed connection, or plain TLS trouble.
    private func failure(_ code: Int32, during what: String, expected: String?) -> TransportError {
        let savedErrno = errno
        let entries = OpenSSLError.drain()
        // Our callback keeps the original X509 error (it changes the one OpenSSL alerts with).
        var policy: Int32 = 0
        let recorded = Int(meridian_verify_failure(ssl, &policy))
        let verify = recorded != X509_V_OK ? recorded : SSL_get_verify_result(ssl)
        if verify != X509_V_OK && (!handshakeDone || isClient) {
            let reason = OpenSSLError.verifyFailure(verify)
            // OpenSSL's own purpose check (before our callback) fails a leaf whose EKU lacks the role's.
            if policy == 0 && verify == Int(X509_V_ERR_INVALID_PURPOSE) { policy = Int32(MERIDIAN_POLICY_WRONG_EKU) }
            let why = OpenSSLError.policyText(policy, roles: peerRoles) ?? OpenSSLError.verifyText(verify)
            var detail = "\(what) failed: peer certificate rejected: \(reason.explanation) (\(why))"
            if reason == .wrongNode, let expected { detail += "; expected a certificate for \(expected)" }
            return TransportError(.verification(reason), detail)
        }
        if let reason = OpenSSLError.alertFailure(entries) {
            return TransportError(.verification(reason), "\(what) failed: the peer refused our certificate: \(reason.explanation) (\(OpenSSLError.describe(entries)))")
        }
        if entries.contains(where: { $0.reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE }) {
            return TransportError(.verification(.noCertificate), "\(what) failed: the peer sent no certificate")
        }
        if entries.contains(where: { $0.reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || $0.reason == SSL_R_UNSUPPORTED_PROTOCOL }) {
            return TransportError(.tls, "\(what) failed: TLS version refused, this side speaks \(versions) (\(OpenSSLError.describe(entries)))")
        }
        if code == SSL_ERROR_SYSCALL && entries.isEmpty {
            let text = savedErrno == 0 ? "connection closed by peer" : Errno(rawValue: savedErrno).description
            return TransportError(.closed, "\(what) failed: \(text)")
        }
        return TransportError(.tls, "\(what) failed: \(OpenSSLError.describe(entries))")
    }
}
