import ClockSync
import HostSystem

/// Operator certificates: the clients of the coordinator's JSON API (`meridian serve`), signed by
/// the cluster CA like every other certificate, refused by agents (wrong role), revocable by name.
extension PKI {
    /// Names an operator certificate may not take: they are the CA's and the coordinator's files
    /// when `--dir` is the certificate directory.
    static let reservedNames: Set<String> = ["ca", "crl", "coordinator", "revoked", "issued"]

    /// Writes `outputDirectory/NAME.pem` and `NAME.key` (0600): EKU clientAuth, CA:FALSE,
    /// `OU=meridian-operator`, or `OU=meridian-operator-read-only` when `readOnly`, signed by the
    /// CA in `certificates` and recorded there (`issued.txt`) so `meridian ca revoke NAME` finds it.
    public static func issueOperator(
        name: String, readOnly: Bool, certificates: String, outputDirectory: String, force: Bool,
        validity: CertificateValidity = .default
    ) throws(TransportError) -> IssuedFiles {
        guard Hostname(name) != nil, !name.contains(".") else {
            throw TransportError(.pki, "\"\(name)\" is not a valid operator name (letters, digits and hyphens, at most 63, like ci-bot)")
        }
        guard !reservedNames.contains(name.lowercased()) else {
            throw TransportError(.pki, "\"\(name)\" is reserved (\(reservedNames.sorted().joined(separator: ", "))): choose another operator name")
        }
        try PKIFiles.makeDirectories(outputDirectory, mode: 0o700)
        return try issue(file: name, commonName: name, role: readOnly ? .operatorReadOnly : .operator,
                         subjectAltName: "DNS:\(name)", in: certificates, output: outputDirectory, force: force, validity: validity)
    }
}

/// `DIR/issued.txt`: one line per certificate the CA signed, `SERIAL ROLE NAME`, so a certificate
/// can be revoked by name even when its file went elsewhere (operators) or never existed here
/// (agents signed from a node's own request).
extension PKI {
    public struct IssuedRecord: Sendable, Equatable {
        public var serialHex: String
        public var role: String
        public var name: String

        public init(serialHex: String, role: String, name: String) {
            self.serialHex = serialHex
            self.role = role
            self.name = name
        }
    }

    static func issuedRecordsPath(in directory: String) -> String { directory + "/issued.txt" }

    public static func issuedRecords(in directory: String) throws(TransportError) -> [IssuedRecord] {
        guard let bytes = try PKIFiles.read(issuedRecordsPath(in: directory)) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3 else { return nil }
            return IssuedRecord(serialHex: String(fields[0]).uppercased(), role: String(fields[1]), name: String(fields[2]))
        }
    }

    static func record(_ certificatePEM: [UInt8], role: CertificateRole, name: String, in directory: String) throws(TransportError) {
        let serial = try X509Certificate(pem: certificatePEM, path: "issued certificate").summary.serialHex
        var lines = try issuedRecords(in: directory).map { "\($0.serialHex) \($0.role) \($0.name)" }
        lines.append("\(serial) \(role.rawValue) \(name)")
        try PKIFiles.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: issuedRecordsPath(in: directory), mode: 0o644)
    }

    /// What `revoke(name:)` did.
    public struct Revocation: Sendable, Equatable {
        /// The serials newly listed for the name.
        public var serials: [String]
        /// The serials the name had that were listed already.
        public var alreadyRevoked: [String]
        public var revocationList: String
    }

    /// Revokes every certificate issued to `name` (any role): the serials recorded in
    /// `issued.txt`, plus `DIR/NAME.pem` if it exists (certificates issued before the record was
    /// kept); then re-signs `crl.pem`. Throws when the name has no certificate at all.
    public static func revoke(name: String, in directory: String) throws(TransportError) -> Revocation {
        var serials = try issuedRecords(in: directory).filter { $0.name == name }.map(\.serialHex)
        let file = "\(directory)/\(name).pem"
        if Hostname(name) != nil, !reservedNames.contains(name), let pem = try PKIFiles.read(file) {
            let serial = try X509Certificate(pem: pem, path: file).summary.serialHex
            if !serials.contains(serial) { serials.append(serial) }
        }
        guard !serials.isEmpty else {
            throw TransportError(.pki, "no certificate issued to \"\(name)\" in \(directory) (none recorded in issued.txt, no \(name).pem)")
        }
        let listed = Set(try revokedSerials(in: directory))
        let new = serials.filter { !listed.contains($0) }
        var all = try revokedSerials(in: directory)
        all.append(contentsOf: new)
        try PKIFiles.write(Array((all.joined(separator: "\n") + "\n").utf8), to: directory + "/revoked.txt", mode: 0o644)
        try writeRevocationList(all, in: directory)
        return Revocation(serials: new, alreadyRevoked: serials.filter { listed.contains($0) },
                          revocationList: revocationListPath(in: directory))
    }
}
