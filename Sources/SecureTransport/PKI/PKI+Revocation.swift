import HostSystem

/// Revocation: the coordinator keeps `DIR/revoked.txt` (one serial per line, hex) and a CRL signed
/// by the cluster CA, `DIR/crl.pem`; deploy copies the CRL to every node, and both sides refuse a
/// peer whose certificate is listed. Offline clusters renew nothing on a schedule, so the CRL is
/// valid for ten years.
extension PKI {
    public static func revocationListPath(in directory: String) -> String { directory + "/crl.pem" }

    /// Adds `serialHex` to the list (idempotent) and re-signs the CRL. Returns the serials listed.
    @discardableResult
    public static func revoke(serialHex: String, in directory: String) throws(TransportError) -> [String] {
        let serial = serialHex.uppercased()
        guard !serial.isEmpty, serial.allSatisfy(\.isHexDigit) else { throw TransportError(.pki, "\"\(serialHex)\" is not a hex serial number") }
        var serials = try revokedSerials(in: directory)
        if !serials.contains(serial) { serials.append(serial) }
        try PKIFiles.write(Array((serials.joined(separator: "\n") + "\n").utf8), to: directory + "/revoked.txt", mode: 0o644)
        try writeRevocationList(serials, in: directory)
        return serials
    }

    public static func revokedSerials(in directory: String) throws(TransportError) -> [String] {
        guard let bytes = try PKIFiles.read(directory + "/revoked.txt") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0).uppercased() }.filter { !$0.isEmpty }
    }

    static func writeRevocationList(_ serials: [String], in directory: String) throws(TransportError) {
        let crl = try RevocationList(serials: serials, signedBy: Authority(in: directory))
        try PKIFiles.write(try crl.pem(), to: revocationListPath(in: directory), mode: 0o644)
    }

    static func readRevocationList(_ path: String) throws(TransportError) -> RevocationList {
        guard let pem = try PKIFiles.read(path) else { throw TransportError(.config, "revocation list \(path) does not exist") }
        return try RevocationList(pem: pem, path: path)
    }

    /// The serial (hex) of a PEM certificate.
    public static func serial(ofCertificatePEM pem: String) throws(TransportError) -> String {
        try X509Certificate(pem: Array(pem.utf8), path: "certificate").summary.serialHex
    }
}
