internal import COpenSSL

extension TLSContext {
    /// How far a context departs from Meridian's TLS profile. From the public API only
    /// `.meridian` and the HTTPS listener's (`TLSContext.https`) are reachable; the others exist
    /// so tests (`@testable import`) can play a client that breaks the profile and prove the
    /// agent refuses it.
    struct Profile: Sendable {
        var tls12Only = false
        /// Client: keeps tickets and may offer them; server: issues them (the control case).
        var usesTickets = false
        var presentsCertificate = true
        /// The HTTPS listener's versions and ciphers (`meridian_ctx_set_https_profile`).
        var https = false
        /// False: a server that asks for no client certificate (the HTTPS listener without
        /// client authentication).
        var verifiesPeer = true

        static let meridian = Profile()

        /// Runs after the Meridian settings, so it overrides them.
        func apply(to context: OpaquePointer) throws(TransportError) {
            if https, meridian_ctx_set_https_profile(context) != 1 { throw OpenSSLError.failure(.tls, "cannot set the HTTPS versions and ciphers") }
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
