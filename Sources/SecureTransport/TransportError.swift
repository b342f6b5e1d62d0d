/// The one error type of the transport module: what went wrong, and a detail naming the peer,
/// file or field, so a person reading it knows what to fix.
public struct TransportError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case invalidAddress
        case connectFailed
        case timedOut
        case closed
        case io
        case tls
        case verification(VerificationFailure)
        case pki
        case limit
        case config
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}

/// Why a peer's certificate was refused; the raw value is what a person reads.
public enum VerificationFailure: String, Equatable, Sendable {
    case unknownCA = "unknown CA"
    case expired = "certificate expired"
    case notYetValid = "certificate not yet valid"
    case wrongNode = "wrong node"
    case wrongRole = "wrong role"
    case noCertificate = "no certificate"
    case revoked = "certificate revoked"
    case other = "certificate rejected"

    /// The reason as a person reads it, with the likely cause where a clock explains it: the
    /// peer's certificates are back-dated and long-lived, so "not yet valid" almost always
    /// means the checking node's clock is behind, "expired" that it is ahead.
    public var explanation: String {
        switch self {
        case .notYetValid: "certificate not yet valid (node clock behind?)"
        case .expired: "certificate expired (node clock ahead?)"
        default: rawValue
        }
    }
}
