import SecureTransport

/// Who is at the other end of a connection, as the server authenticated it.
public enum RPCPeer: Sendable, Equatable, CustomStringConvertible {
    /// A TLS peer: its verified certificate (CN, role).
    case certificate(CertificateSummary)
    /// A peer on the local Unix socket, identified by the kernel (SO_PEERCRED).
    case local(uid: UInt32)

    /// The certificate's role; nil for a local peer.
    public var role: CertificateRole? {
        if case .certificate(let summary) = self { return summary.role }
        return nil
    }

    /// The certificate's CN, or "local uid N".
    public var name: String {
        switch self {
        case .certificate(let summary): summary.commonName
        case .local(let uid): "local uid \(uid)"
        }
    }

    /// True for a read-only operator certificate. A local peer is root (or the service's own
    /// uid): it may do what the service may do.
    public var isReadOnly: Bool { role == .operatorReadOnly }

    public var description: String {
        switch self {
        case .certificate(let summary): "\(summary.commonName) (\(summary.role?.rawValue ?? "no role"))"
        case .local(let uid): "local uid \(uid)"
        }
    }
}
