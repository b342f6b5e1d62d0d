import HostSystem
import SecureTransport
import TestSupport

/// A leaf certificate that Meridian's own PKI would never issue, made with the `openssl` CLI
/// and signed by the test cluster's CA, so the policy checks see a certificate of their own
/// cluster that breaks exactly one rule.
struct CraftedCertificate {
    var subject: String
    /// Extension lines in openssl's config syntax.
    var extensions: [String]

    /// Writes `NAME.pem` / `NAME.key` into the PKI directory and returns a configuration for
    /// `role` that presents them.
    func issue(_ name: String, in pki: TestPKI, role: CertificateRole) throws -> TLSConfiguration {
        let key = "\(pki.path)/\(name).key", request = "\(pki.path)/\(name).csr"
        let certificate = "\(pki.path)/\(name).pem", config = "\(pki.path)/\(name).ext"
        try pki.directory.write("\(name).ext", extensions.joined(separator: "\n") + "\n")
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", key, "-subj", subject, "-out", request])
        try Self.openssl(["x509", "-req", "-in", request, "-CA", pki.ca, "-CAkey", pki.path + "/ca.key",
                          "-set_serial", "0x\(String(UInt64.random(in: 1...UInt64.max), radix: 16))", "-days", "30",
                          "-extfile", config, "-out", certificate])
        return TLSConfiguration(caPath: pki.ca, certificatePath: certificate, keyPath: key, role: role)
    }

    struct OpenSSLFailed: Error, CustomStringConvertible { var description: String }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run(["/usr/bin/openssl"] + arguments, timeout: .seconds(30))
        guard result.succeeded else { throw OpenSSLFailed(description: "openssl \(arguments.first ?? ""): \(result.stderr)") }
    }

    static let leafConstraints = "basicConstraints = critical,CA:FALSE"
    static let keyUsage = "keyUsage = critical,digitalSignature"
}
