import Foundation
import HostSystem
import SecureTransport
import Testing
import TestSupport

/// `meridian ca issue-operator` and `meridian ca revoke` underneath: files, modes, roles, the
/// CA's records, and every refusal naming what was wrong.
@Suite(.offPool) struct OperatorIssueTests {
    @Test(arguments: [(false, CertificateRole.operator, "meridian-operator"), (true, .operatorReadOnly, "meridian-operator-read-only")])
    func issueWritesTheCertificateAndAPrivateKey(readOnly: Bool, role: CertificateRole, unit: String) throws {
        let pki = try TestPKI()
        let out = pki.path + "/handed-out"
        let files = try PKI.issueOperator(name: "ci-bot", readOnly: readOnly, certificates: pki.path, outputDirectory: out, force: false)
        #expect(files.certificate == out + "/ci-bot.pem")
        #expect(files.key == out + "/ci-bot.key")
        #expect(files.caCertificate == pki.ca)
        #expect(try FileCheck.permissions(files.key) == 0o600)
        let summary = try PKI.inspect(certificateAt: files.certificate)
        #expect(summary.role == role)
        #expect(role.organizationalUnit == unit)
        #expect(summary.commonName == "ci-bot")
        #expect(!summary.isCA)
        let text = try ChildProcess.run(["/usr/bin/openssl", "x509", "-in", files.certificate, "-noout", "-text", "-subject"], timeout: .seconds(30)).stdout
        #expect(text.contains("TLS Web Client Authentication"), "EKU clientAuth")
        #expect(!text.contains("TLS Web Server Authentication"))
        #expect(text.contains("CA:FALSE"))
        #expect(text.contains("OU = \(unit),") || text.contains("OU=\(unit)"), "\(text)")
        #expect(try PKI.issuedRecords(in: pki.path).contains(PKI.IssuedRecord(serialHex: summary.serialHex, role: role.rawValue, name: "ci-bot")))
    }

    @Test(arguments: [("", "not a valid operator name"), ("bad name", "not a valid operator name"), ("a.b", "not a valid operator name"),
                      ("-x", "not a valid operator name"), ("ca", "is reserved"), ("coordinator", "is reserved"), ("CRL", "is reserved")])
    func badNamesAreRefused(name: String, reason: String) throws {
        let pki = try TestPKI()
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.issueOperator(name: name, readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: true)
        }
        #expect(error?.description.contains(reason) == true, "\(name): \(error.map(\.description) ?? "-")")
        #expect(try PKI.inspect(certificateAt: pki.path + "/coordinator.pem").role == .coordinator, "nothing overwritten")
    }

    @Test func anExistingOperatorIsKeptWithoutForce() throws {
        let pki = try TestPKI()
        let first = try PKI.issueOperator(name: "ops", readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: false)
        let serial = try PKI.inspect(certificateAt: first.certificate).serialHex
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.issueOperator(name: "ops", readOnly: true, certificates: pki.path, outputDirectory: pki.path, force: false)
        }
        #expect(error?.description.contains("--force") == true)
        #expect(try PKI.inspect(certificateAt: first.certificate).serialHex == serial)
    }

    @Test func withoutACATheErrorSaysWhereItLooked() throws {
        let empty = try TemporaryDirectory("meridian-noca")
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.issueOperator(name: "ops", readOnly: false, certificates: empty.path, outputDirectory: empty.path + "/out", force: false)
        }
        #expect(error?.description.contains("no cluster CA in \(empty.path)") == true, "\(error.map(\.description) ?? "-")")
    }

    /// Revoking by name finds every certificate the name was given (re-issues included), lists
    /// each once, and finds agents signed from a node's own request (no file in DIR).
    @Test func revokeByNameListsEverySerialOfThatName() throws {
        let pki = try TestPKI()
        let first = try PKI.issueOperator(name: "ops", readOnly: false, certificates: pki.path, outputDirectory: pki.path + "/a", force: false)
        let second = try PKI.issueOperator(name: "ops", readOnly: true, certificates: pki.path, outputDirectory: pki.path + "/b", force: false)
        let other = try PKI.issueOperator(name: "other", readOnly: false, certificates: pki.path, outputDirectory: pki.path + "/a", force: false)
        let serials = try [first, second].map { try PKI.inspect(certificateAt: $0.certificate).serialHex }
        let revocation = try PKI.revoke(name: "ops", in: pki.path)
        #expect(Set(revocation.serials) == Set(serials))
        #expect(revocation.alreadyRevoked.isEmpty)
        #expect(Set(try PKI.revokedSerials(in: pki.path)) == Set(serials))
        #expect(!(try PKI.revokedSerials(in: pki.path)).contains(try PKI.inspect(certificateAt: other.certificate).serialHex))
        let again = try PKI.revoke(name: "ops", in: pki.path)
        #expect(again.serials.isEmpty)
        #expect(Set(again.alreadyRevoked) == Set(serials))
        #expect(FileManager.default.fileExists(atPath: PKI.revocationListPath(in: pki.path)))

        let request = try PKI.createAgentRequest(node: "pve7", address: "127.0.0.7", keyPath: pki.path + "/node/agent.key", renew: false)
        let signed = try PKI.signAgentRequest(request, node: "pve7", address: "127.0.0.7", in: pki.path)
        #expect(try PKI.revoke(name: "pve7", in: pki.path).serials == [try PKI.serial(ofCertificatePEM: signed)])
    }

    @Test func revokingAnUnknownNameSaysSo() throws {
        let pki = try TestPKI()
        let error = #expect(throws: TransportError.self) { _ = try PKI.revoke(name: "nobody", in: pki.path) }
        #expect(error?.description.contains("no certificate issued to \"nobody\"") == true, "\(error.map(\.description) ?? "-")")
        #expect(try PKI.revokedSerials(in: pki.path).isEmpty)
    }
}
