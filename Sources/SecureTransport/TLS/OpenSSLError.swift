internal import COpenSSL

/// Reads OpenSSL's thread-local error queue into text we can put in an error message.
enum OpenSSLError {
    struct Entry { var reason: Int32; var text: String }

    /// Empties the queue; the first entry is the root cause.
    static func drain() -> [Entry] {
        var entries: [Entry] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            entries.append(Entry(reason: meridian_err_reason(code), text: buffer.nulTerminatedString))
        }
        return entries
    }

    static func describe(_ entries: [Entry]) -> String {
        entries.isEmpty ? "no detail from OpenSSL" : entries.map(\.text).joined(separator: "; ")
    }

    static func failure(_ kind: TransportError.Kind, _ what: String) -> TransportError {
        TransportError(kind, "\(what): \(describe(drain()))")
    }

    /// The verification failure named by an alert the peer sent us (TLS alert number + 1000 is
    /// OpenSSL's reason code), if it is one. A Meridian peer sends `bad_certificate` only for a
    /// certificate that is not yet valid on its clock (its verify callback turns every other
    /// failure without an alert of its own into `certificate_unknown`, see shim.c).
    static func alertFailure(_ entries: [Entry]) -> VerificationFailure? {
        for entry in entries {
            switch entry.reason {
            case SSL_R_TLSV1_ALERT_UNKNOWN_CA: return .unknownCA
            case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED: return .expired
            case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: return .wrongRole
            case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED: return .noCertificate
            case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED: return .revoked
            case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE: return .notYetValid
            case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN: return .other
            default: continue
            }
        }
        return nil
    }

    /// Maps an X509_V_ERR_* code from our own verification.
    static func verifyFailure(_ code: Int) -> VerificationFailure {
        switch Int32(code) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return .unknownCA
        case X509_V_ERR_CERT_HAS_EXPIRED: return .expired
        case X509_V_ERR_CERT_NOT_YET_VALID: return .notYetValid
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH: return .wrongNode
        case X509_V_ERR_INVALID_PURPOSE: return .wrongRole
        case X509_V_ERR_CERT_REVOKED: return .revoked
        default: return .other
        }
    }

    static func verifyText(_ code: Int) -> String {
        String(cString: X509_verify_cert_error_string(code))
    }

    /// What a `MERIDIAN_POLICY_*` reason from the verify callback means, for a peer that should
    /// have had one of `roles`.
    static func policyText(_ policy: Int32, roles: [CertificateRole]) -> String? {
        let names = roles.map(\.rawValue).joined(separator: " or ")
        let units = roles.map { "OU=\($0.organizationalUnit)" }.joined(separator: " or ")
        // No roles: a web server (`PeerPolicy.webServer`), whose certificate needs serverAuth.
        let eku = roles.first?.extendedKeyUsage ?? "serverAuth"
        switch policy {
        case Int32(MERIDIAN_POLICY_WRONG_OU): return "its subject lacks \(units)"
        case Int32(MERIDIAN_POLICY_SEVERAL_OU): return "its subject carries more than one OU; a \(names) certificate has exactly one, \(units)"
        case Int32(MERIDIAN_POLICY_IS_CA): return "it is a CA certificate (CA:TRUE or keyCertSign); a \(names) certificate must not be"
        case Int32(MERIDIAN_POLICY_NO_EKU): return "it has no extended key usage; a \(names) certificate needs EKU \(eku)"
        case Int32(MERIDIAN_POLICY_WRONG_EKU): return "its extended key usage lacks \(eku) (or its key usage forbids TLS)"
        default: return nil
        }
    }
}
