extension TLSContext {
    /// The context of `meridian serve`'s HTTPS listener (`TLSRelay`): it presents
    /// `certificatePath` (by default the master's agent certificate), speaks TLS 1.3 and TLS 1.2
    /// (ECDHE + AEAD only; 1.1 and older refused), since browsers, curl and Prometheus are its
    /// clients, not Meridian's own code. With `operatorClients` it demands a client certificate
    /// of the cluster CA with an operator or read-only operator role, the CRL applied, exactly as
    /// the JSON API's context does (the same verify callback); without, it asks for none.
    public static func https(certificatePath: String, keyPath: String, caPath: String, crlPath: String?,
                             operatorClients: Bool) throws(TransportError) -> TLSContext {
        let configuration = TLSConfiguration(caPath: caPath, certificatePath: certificatePath, keyPath: keyPath, role: .agent,
                                             crlPath: crlPath, peer: .operators)
        var profile = Profile.meridian
        profile.https = true
        profile.verifiesPeer = operatorClients
        return try TLSContext(configuration, profile: profile)
    }
}

extension TLSContext {
    /// The context of `meridian serve`'s https:// webhooks: a client with no certificate of its
    /// own, TLS 1.3 or 1.2 (ECDHE + AEAD, as the HTTPS listener), trusting the CA certificates in
    /// `caPath` alone (a PEM bundle: the system's, or the file of an internal CA). The address
    /// dialled must be in the server certificate's subjectAltName (`TLSConnection.connect`).
    public static func webhookClient(caPath: String) throws(TransportError) -> TLSContext {
        let configuration = TLSConfiguration(caPath: caPath, certificatePath: "", keyPath: "", role: .operator, peer: .webServer)
        var profile = Profile.meridian
        profile.https = true
        profile.presentsCertificate = false
        return try TLSContext(configuration, profile: profile)
    }
}
