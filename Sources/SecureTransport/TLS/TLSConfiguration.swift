/// Which side of the channel a certificate may act as (see certs/README.md for the marker).
public enum CertificateRole: String, Sendable, CaseIterable {
    case coordinator
    case agent
    /// A client of the coordinator's JSON API (`meridian serve`) that may change the cluster.
    case `operator`
    /// An API client that may only read: its own OU rather than a flag beside the operator's,
    /// so "exactly one OU" stays the rule and a read-only certificate cannot be mistaken for a
    /// full one by a check that forgets the flag.
    case operatorReadOnly = "operator-read-only"

    /// The `OU` value that marks the role in the subject.
    public var organizationalUnit: String { "meridian-\(rawValue)" }

    /// The extended key usage a certificate of this role carries.
    public var extendedKeyUsage: String { self == .agent ? "serverAuth" : "clientAuth" }

    /// True for both operator roles.
    public var isOperator: Bool { self == .operator || self == .operatorReadOnly }

    init?(organizationalUnit: String) {
        guard let role = Self.allCases.first(where: { $0.organizationalUnit == organizationalUnit }) else { return nil }
        self = role
    }
}

/// Whom a TLS context accepts at the other end of its connections.
public enum PeerPolicy: Sendable, Equatable {
    /// The agent's server: coordinator clients only.
    case coordinator
    /// A client (coordinator or operator) dialling a server with an agent certificate.
    case agent
    /// The JSON API's server: operator and read-only operator clients only. Decided: not the
    /// coordinator certificate too; automation gets its own revocable operator certificates,
    /// and the coordinator key stays with the CLI (certs/README.md).
    case operators
    /// A client dialling a server outside Meridian (an https:// webhook receiver): any server
    /// certificate that the configured CA file vouches for and that names the address dialled;
    /// no Meridian role, and no certificate of our own.
    case webServer

    /// The roles a peer may have under this policy (none for a web server).
    public var roles: [CertificateRole] {
        switch self {
        case .coordinator: [.coordinator]
        case .agent: [.agent]
        case .operators: [.operator, .operatorReadOnly]
        case .webServer: []
        }
    }

    /// True for the policies of a server (it accepts clients).
    var acceptsClients: Bool { self == .coordinator || self == .operators }

    /// What a context presenting `role` accepts unless told otherwise.
    static func defaultPolicy(for role: CertificateRole) -> PeerPolicy { role == .agent ? .coordinator : .agent }
}

/// What to build a `TLSContext` from: our certificate and key, the cluster CA we trust, our role.
/// The agent role makes a server that requires a coordinator peer (or, with `peer: .operators`,
/// an operator peer: the API); the coordinator and operator roles make a client that requires an
/// agent-role server.
public struct TLSConfiguration: Sendable, Equatable {
    public var caPath: String
    public var certificatePath: String
    public var keyPath: String
    public var role: CertificateRole
    /// Whom we accept at the other end; unless set, what `role` implies (so changing the role
    /// changes it too).
    public var peer: PeerPolicy {
        get { acceptedPeer ?? PeerPolicy.defaultPolicy(for: role) }
        set { acceptedPeer = newValue }
    }
    private var acceptedPeer: PeerPolicy?
    /// The cluster's revocation list (certs/README.md); when the file exists, a peer whose
    /// certificate is on it is refused ("certificate revoked").
    public var crlPath: String?

    public init(caPath: String, certificatePath: String, keyPath: String, role: CertificateRole, crlPath: String? = nil,
                peer: PeerPolicy? = nil) {
        self.crlPath = crlPath
        self.caPath = caPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.role = role
        acceptedPeer = peer
    }
}
