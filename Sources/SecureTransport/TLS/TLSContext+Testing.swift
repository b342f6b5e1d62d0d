internal import COpenSSL

extension TLSContext {
    /// How far a context departs from Meridian's TLS profile. Only `.meridian` is reachable
    /// from the public API; the others exist so tests (`@testable import`) can play a client
    /// that breaks the profile and prove the agent refuses it.
    struct Profile: Sendable {
        var tls12Only = false
        /// Client: keeps tickets and may offer them; server: issues them (the control case).
        var usesTickets = false
        var presentsCertificate = true

        static let meridian = Profile()

        /// Runs after the Meridian settings, so it overrides them.
        func apply(to context: OpaquePointer) throws(TransportError) {
            if tls12Only, meridian_ctx_set_tls12_only(context) != 1 { throw OpenSSLError.failure(.tls, "cannot limit to TLS 1.2") }
            if usesTickets, meridian_ctx_use_tickets(context) != 1 { throw OpenSSLError.failure(.tls, "cannot enable session tickets") }
        }
    }
}

/// Owns one `SSL_SESSION*` taken from a finished connection (tests: offering resumption).
final class TLSSession: @unchecked Sendable {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    /// `@unchecked Sendable`: OpenSSL sessions are reference counted and safe to share.
    let pointer: OpaquePointer

    init(withOwnedReference pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_SESSION_free(pointer) }

    /// True when the server sent a NewSessionTicket for this session.
    var hasTicket: Bool { SSL_SESSION_has_ticket(pointer) == 1 }
}

extension TLSConnection {
    /// The session of this connection (tests).
    func session() -> TLSSession? {
        guard let session = SSL_get1_session(ssl) else { return nil }
        return TLSSession(withOwnedReference: session)
    }

    /// True when the handshake resumed an earlier session instead of authenticating afresh.
    var wasResumed: Bool { SSL_session_reused(ssl) == 1 }
}
