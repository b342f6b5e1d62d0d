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

extension TLSConnection {
    /// The session of this connection (tests).
    func session() -> TLSSession? {
        guard let session = SSL_get1_session(ssl) else { return nil }
        return TLSSession(withOwnedReference: session)
    }

    /// True when the handshake resumed an earlier session instead of authenticating afresh.
    var wasResumed: Bool { SSL_session_reused(ssl) == 1 }
}
