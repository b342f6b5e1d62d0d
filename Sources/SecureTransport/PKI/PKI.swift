import ClockSync
import HostSystem
internal import COpenSSL

/// How long a certificate is valid, relative to the moment it is issued.
public struct CertificateValidity: Sendable, Equatable {
    public var notBeforeOffset: Int
    public var lifetimeSeconds: Int

    public static func custom(notBeforeOffset: Int, lifetimeSeconds: Int) -> CertificateValidity {
        CertificateValidity(notBeforeOffset: notBeforeOffset, lifetimeSeconds: lifetimeSeconds)
    }

    private static let year = 365 * 24 * 3600
    /// Offline clusters have nobody to renew certificates on time, so lifetimes are long; the
    /// one-hour back-dating tolerates a node whose clock is behind (the very thing we fix).
    public static let authority = custom(notBeforeOffset: -3600, lifetimeSeconds: 20 * year)
    public static let `default` = custom(notBeforeOffset: -3600, lifetimeSeconds: 10 * year)
}

/// The files `meridian ca init` writes (see certs/README.md).
public struct AuthorityFiles: Sendable, Equatable {
    public var caCertificate: String
    public var caKey: String
    public var coordinatorCertificate: String
    public var coordinatorKey: String
}

/// The bundle `meridian ca issue` writes for one node or coordinator.
public struct IssuedFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var caCertificate: String
}

/// The cluster PKI: one CA per cluster, ECDSA P-256, roles marked by EKU and `OU`.
public enum PKI {
    public static func initAuthority(
        in directory: String, clusterName: String, force: Bool, validity: CertificateValidity = .authority
    ) throws(TransportError) -> AuthorityFiles {
        try Naming.checkClusterName(clusterName)
        let files = AuthorityFiles(
            caCertificate: directory + "/ca.pem", caKey: directory + "/ca.key",
            coordinatorCertificate: directory + "/coordinator.pem", coordinatorKey: directory + "/coordinator.key")
        if !force {
            for path in [files.caKey, files.caCertificate, files.coordinatorKey, files.coordinatorCertificate] where AtomicFile.exists(path) {
                throw TransportError(.pki, "\(path) already exists; refusing to overwrite it without --force")
            }
        }
        try PKIFiles.makeDirectories(directory, mode: 0o700)
        let key = try PrivateKey()
        let builder = try CertificateBuilder(
            subject: [("O", "Meridian"), ("OU", "meridian-ca"), ("CN", "Meridian cluster CA (\(clusterName))")],
            publicKey: key.publicKey(), validity: validity)
        try builder.addExtensions([
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ], issuer: nil)
        let certificate = try builder.finish(issuer: nil, key: key)
        // A revocation list and its serials belong to the CA that signed them: with a new CA an
        // old crl.pem fails every handshake ("CRL signature failure") once deploy copies it out.
        AtomicFile.remove(revocationListPath(in: directory))
        AtomicFile.remove(directory + "/revoked.txt")
        AtomicFile.remove(issuedRecordsPath(in: directory))
        try PKIFiles.write(try key.pem(), to: files.caKey, mode: 0o600)
        try PKIFiles.write(try certificate.pem(), to: files.caCertificate, mode: 0o644)
        _ = try issueCoordinator(name: "coordinator", in: directory, force: true, validity: .default)
        return files
    }

    /// Writes `DIR/NODE.pem` and `DIR/NODE.key`: an agent certificate whose SAN carries the
    /// node name and its address, with EKU serverAuth and `OU=meridian-agent`.
    public static func issueAgent(
        node: String, address: String, in directory: String, force: Bool, validity: CertificateValidity = .default
    ) throws(TransportError) -> IssuedFiles {
        try Naming.checkNodeName(node)
        guard IPAddress(address) != nil else {
            throw TransportError(.pki, "--address \"\(address)\" is not an IPv4 or IPv6 address")
        }
        return try issue(
            file: node, commonName: node, role: .agent, subjectAltName: "DNS:\(node),IP:\(address)",
            in: directory, force: force, validity: validity)
    }

    /// Writes `DIR/NAME.pem` and `DIR/NAME.key` with EKU clientAuth and `OU=meridian-coordinator`.
    public static func issueCoordinator(
        name: String, in directory: String, force: Bool, validity: CertificateValidity = .default
    ) throws(TransportError) -> IssuedFiles {
        try Naming.checkNodeName(name)
        return try issue(file: name, commonName: name, role: .coordinator, subjectAltName: "DNS:\(name)",
                         in: directory, force: force, validity: validity)
    }

    /// Reads a PEM certificate's names, role and validity.
    public static func inspect(certificateAt path: String) throws(TransportError) -> CertificateSummary {
        guard let pem = try PKIFiles.read(path) else { throw TransportError(.pki, "\(path) does not exist") }
        return try X509Certificate(pem: pem, path: path).summary
    }

    /// Signs with the CA in `directory`, writes the files into `output` (default `directory`) and
    /// records the serial (see `issuedRecords`).
    static func issue(
        file: String, commonName: String, role: CertificateRole, subjectAltName: String,
        in directory: String, output: String? = nil, force: Bool, validity: CertificateValidity
    ) throws(TransportError) -> IssuedFiles {
        let output = output ?? directory
        let files = IssuedFiles(certificate: "\(output)/\(file).pem", key: "\(output)/\(file).key",
                                caCertificate: directory + "/ca.pem")
        if !force {
            for path in [files.key, files.certificate] where AtomicFile.exists(path) {
                throw TransportError(.pki, "\(path) already exists; refusing to overwrite it without --force")
            }
        }
        let key = try PrivateKey()
        let certificate = try signLeaf(publicKey: key.publicKey(), commonName: commonName, role: role,
                                       subjectAltName: subjectAltName, in: directory, validity: validity)
        try PKIFiles.write(try key.pem(), to: files.key, mode: 0o600)
        try PKIFiles.write(certificate, to: files.certificate, mode: 0o644)
        try record(certificate, role: role, name: commonName, in: directory)
        return files
    }

    /// A leaf certificate for `publicKey`, signed by the CA in `directory`.
    static func signLeaf(publicKey: PublicKey, commonName: String, role: CertificateRole, subjectAltName: String,
                         in directory: String, validity: CertificateValidity) throws(TransportError) -> [UInt8] {
        let authority = try Authority(in: directory)
        let builder = try CertificateBuilder(
            subject: [("O", "Meridian"), ("OU", role.organizationalUnit), ("CN", commonName)],
            publicKey: publicKey, validity: validity)
        try builder.addExtensions([
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, role.extendedKeyUsage),
            (NID_subject_alt_name, subjectAltName),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ], issuer: authority.certificate)
        return try builder.finish(issuer: authority.certificate, key: authority.key).pem()
    }
}
