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
            publicKey: key, validity: validity)
        try builder.addExtensions([
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ], issuer: nil)
        try builder.sign(issuerName: nil, with: key)
        try PKIFiles.write(try key.pem(), to: files.caKey, mode: 0o600)
        try PKIFiles.write(try builder.pem(), to: files.caCertificate, mode: 0o644)
        _ = try issueCoordinator(name: "coordinator", in: directory, force: true, validity: .default)
        return files
    }

    /// Writes `DIR/NODE.pem` and `DIR/NODE.key`: an agent certificate whose SAN carries the
    /// node name and its address, with EKU serverAuth and `OU=meridian-agent`.
    public static func issueAgent(
        node: String, address: String, in directory: String, force: Bool, validity: CertificateValidity = .default
    ) throws(TransportError) -> IssuedFiles {
        try Naming.checkNodeName(node)
        guard SocketAddress(numericHost: address, port: 0) != nil else {
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
        let certificate = try PEMCertificate.read(pem, path: path)
        defer { X509_free(certificate) }
        return CertificateSummary(x509: certificate)
    }

    private static func issue(
        file: String, commonName: String, role: CertificateRole, subjectAltName: String,
        in directory: String, force: Bool, validity: CertificateValidity
    ) throws(TransportError) -> IssuedFiles {
        let files = IssuedFiles(certificate: "\(directory)/\(file).pem", key: "\(directory)/\(file).key",
                                caCertificate: directory + "/ca.pem")
        if !force {
            for path in [files.key, files.certificate] where AtomicFile.exists(path) {
                throw TransportError(.pki, "\(path) already exists; refusing to overwrite it without --force")
            }
        }
        let key = try PrivateKey()
        let certificate = try signLeaf(publicKey: key.pointer, commonName: commonName, role: role,
                                       subjectAltName: subjectAltName, in: directory, validity: validity)
        try PKIFiles.write(try key.pem(), to: files.key, mode: 0o600)
        try PKIFiles.write(certificate, to: files.certificate, mode: 0o644)
        return files
    }

    /// A leaf certificate for `publicKey`, signed by the CA in `directory`.
    static func signLeaf(publicKey: OpaquePointer, commonName: String, role: CertificateRole, subjectAltName: String,
                         in directory: String, validity: CertificateValidity) throws(TransportError) -> [UInt8] {
        // `authority` is used until its last line here, so its X509 outlives every use.
        let authority = try Authority(in: directory)
        let builder = try CertificateBuilder(
            subject: [("O", "Meridian"), ("OU", role.organizationalUnit), ("CN", commonName)],
            publicKeyPointer: publicKey, validity: validity)
        try builder.addExtensions([
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, role == .agent ? "serverAuth" : "clientAuth"),
            (NID_subject_alt_name, subjectAltName),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ], issuer: authority.certificate)
        try builder.sign(issuerName: X509_get_subject_name(authority.certificate), with: authority.key)
        withExtendedLifetime(authority) {}
        return try builder.pem()
    }
}

enum Naming {
    /// RFC 1123 host name: labels of letters, digits and inner hyphens, 1-63 characters each.
    static func checkNodeName(_ name: String) throws(TransportError) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
        guard valid else {
            throw TransportError(.pki, "\"\(name)\" is not a valid node name (letters, digits and hyphens, like pve1)")
        }
    }

    static func checkClusterName(_ name: String) throws(TransportError) {
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw TransportError(.pki, "cluster name \"\(name)\" must be 1-64 printable characters")
        }
    }
}
