/// Which side of the channel a certificate may act as (see certs/README.md for the marker).
public enum CertificateRole: String, Sendable, CaseIterable {
    case coordinator
    case agent

    /// The `OU` value that marks the role in the subject.
    public var organizationalUnit: String { "meridian-\(rawValue)" }

    init?(organizationalUnit: String) {
        guard let role = Self.allCases.first(where: { $0.organizationalUnit == organizationalUnit }) else { return nil }
        self = role
    }
}

/// What to build a `TLSContext` from: our certificate and key, the cluster CA we trust, our role.
/// The agent role makes a server that requires a coordinator peer; the coordinator role makes a
/// client that requires an agent peer.
public struct TLSConfiguration: Sendable, Equatable {
    public var caPath: String
    public var certificatePath: String
    public var keyPath: String
    public var role: CertificateRole
    /// The cluster's revocation list (certs/README.md); when the file exists, a peer whose
    /// certificate is on it is refused ("certificate revoked").
    public var crlPath: String?

    public init(caPath: String, certificatePath: String, keyPath: String, role: CertificateRole, crlPath: String? = nil) {
        self.crlPath = crlPath
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.role = role
    }
}
