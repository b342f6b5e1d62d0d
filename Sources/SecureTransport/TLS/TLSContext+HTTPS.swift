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
