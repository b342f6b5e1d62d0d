internal import COpenSSL
internal import Glibc

/// What Meridian reads from a certificate: names, role, validity. Used for the peer of a
/// connection and by `PKI.inspect`.
public struct CertificateSummary: Sendable, Equatable {
    public var commonName: String
    public var organization: String?
    public var role: CertificateRole?
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var serialHex: String
    /// Seconds since the epoch.
    public var notBefore: Int64
    public var notAfter: Int64
    public var isCA: Bool
}

/// The verified certificate of the other end of a connection.
public typealias PeerIdentity = CertificateSummary

extension CertificateSummary {
    /// Reads the fields of `owner`'s certificate (the owner keeps it alive for this call).
    init(_ owner: X509Certificate) {
        let certificate = owner.pointer
        commonName = Self.subjectEntry(certificate, NID_commonName) ?? ""
        organization = Self.subjectEntry(certificate, NID_organizationName)
        role = Self.subjectEntry(certificate, NID_organizationalUnitName).flatMap(CertificateRole.init(organizationalUnit:))
        dnsNames = []
        ipAddresses = []
        if let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) {
            let names = OpaquePointer(raw)
            defer { meridian_general_names_free(names) }
            for index in 0..<meridian_general_names_count(names) {
                guard let name = meridian_general_names_at(names, index) else { continue }
                switch name.pointee.type {
                case GEN_DNS:
                    if let text = Self.string(name.pointee.d.dNSName) { dnsNames.append(text) }
                case GEN_IPADD:
                    if let text = Self.ipAddress(name.pointee.d.iPAddress) { ipAddresses.append(text) }
                default:
                    break
                }
            }
        }
        var serial = ""
        if let bignum = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nil) {
            if let hex = BN_bn2hex(bignum) {
                serial = String(cString: hex)
                meridian_openssl_free(hex)
            }
            BN_free(bignum)
        }
        serialHex = serial
        notBefore = Self.epochSeconds(X509_get0_notBefore(certificate))
        notAfter = Self.epochSeconds(X509_get0_notAfter(certificate))
        isCA = X509_check_ca(certificate) > 0
    }

    private static func subjectEntry(_ certificate: OpaquePointer, _ nid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = meridian_subject_entry(certificate, nid, &buffer, Int32(buffer.count))
        guard length >= 0 else { return nil }
        return buffer.nulTerminatedString
    }

    private static func string(_ value: UnsafeMutablePointer<ASN1_STRING>?) -> String? {
        guard let value, let data = ASN1_STRING_get0_data(value) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(value))), as: UTF8.self)
    }

    private static func ipAddress(_ value: UnsafeMutablePointer<ASN1_STRING>?) -> String? {
        guard let value, let data = ASN1_STRING_get0_data(value) else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(value))))
        var text = [CChar](repeating: 0, count: 64)
        switch bytes.count {
        case 4: _ = inet_ntop(AF_INET, bytes, &text, 64)
        case 16: _ = inet_ntop(AF_INET6, bytes, &text, 64)
        default: return nil
        }
        return text.nulTerminatedString
    }

    private static func epochSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time else { return 0 }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }
}

extension Array where Element == CChar {
    /// The text before the first NUL of a C buffer.
    var nulTerminatedString: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
