import Foundation
import SecureTransport
import Testing
import TestSupport

@Suite("Cluster PKI", .offPool)
struct PKITests {
    @Test func initWritesTheDocumentedLayoutWithPrivateKeys() throws {
        let directory = try TemporaryDirectory("meridian-ca")
        let files = try PKI.initAuthority(in: directory.path + "/certs", clusterName: "lab", force: false)
        #expect(files.caCertificate == directory.path + "/certs/ca.pem")
        #expect(files.coordinatorKey == directory.path + "/certs/coordinator.key")
        for key in [files.caKey, files.coordinatorKey] {
            #expect(try FileCheck.permissions(key) == 0o600)
        }
        let ca = try PKI.inspect(certificateAt: files.caCertificate)
        #expect(ca.isCA)
        #expect(ca.commonName == "Meridian cluster CA (lab)")
        let coordinator = try PKI.inspect(certificateAt: files.coordinatorCertificate)
        #expect(coordinator.role == .coordinator)
        #expect(!coordinator.isCA)
        #expect(coordinator.notAfter > coordinator.notBefore + 9 * 365 * 86_400)
    }

    @Test func initRefusesToOverwriteWithoutForce() throws {
        let directory = try TemporaryDirectory("meridian-ca")
        let first = try PKI.initAuthority(in: directory.path, clusterName: "lab", force: false)
        let before = try PKI.inspect(certificateAt: first.caCertificate).serialHex
        let error = #expect(throws: TransportError.self) { _ = try PKI.initAuthority(in: directory.path, clusterName: "lab", force: false) }
        #expect(error?.description.contains("--force") == true)
        #expect(try PKI.inspect(certificateAt: first.caCertificate).serialHex == before)
        _ = try PKI.initAuthority(in: directory.path, clusterName: "lab", force: true)
        #expect(try PKI.inspect(certificateAt: first.caCertificate).serialHex != before)
    }

    /// A new CA (`--force`) leaves no revocation list of the old one behind: deploy would copy
    /// it to every node, and every handshake would then fail with "CRL signature failure".
    @Test func aNewAuthorityDropsTheOldOnesRevocationList() throws {
        let directory = try TemporaryDirectory("meridian-ca")
        _ = try PKI.initAuthority(in: directory.path, clusterName: "lab", force: false)
        _ = try PKI.revoke(serialHex: "0A1B", in: directory.path)
        #expect(FileManager.default.fileExists(atPath: PKI.revocationListPath(in: directory.path)), "control: the CRL exists")
        _ = try PKI.initAuthority(in: directory.path, clusterName: "lab", force: true)
        #expect(!FileManager.default.fileExists(atPath: PKI.revocationListPath(in: directory.path)))
        #expect(try PKI.revokedSerials(in: directory.path).isEmpty)
    }

    @Test func agentCertificateCarriesNodeAndAddress() throws {
        let pki = try TestPKI()
        let files = try pki.issueAgent("pve1", address: "192.168.1.10")
        #expect(files.certificate == pki.path + "/pve1.pem")
        #expect(files.key == pki.path + "/pve1.key")
        #expect(try FileCheck.permissions(files.key) == 0o600)
        let summary = try PKI.inspect(certificateAt: files.certificate)
        #expect(summary.role == .agent)
        #expect(summary.dnsNames == ["pve1"])
        #expect(summary.ipAddresses == ["192.168.1.10"])
        let v6 = try PKI.inspect(certificateAt: try pki.issueAgent("pve6", address: "fd00::6").certificate)
        #expect(v6.ipAddresses == ["fd00::6"])
    }

    @Test(arguments: [
        ("pve 1", "10.0.0.1", "not a valid node name"),
        ("-pve", "10.0.0.1", "not a valid node name"),
        ("pve1\n", "10.0.0.1", "not a valid node name"),
        ("pve1", "10.0.0.300", "not an IPv4 or IPv6 address"),
        ("pve1", "pve1.example", "not an IPv4 or IPv6 address"),
    ])
    func badIssueInputIsNamed(node: String, address: String, expected: String) throws {
        let pki = try TestPKI()
        let error = #expect(throws: TransportError.self) { try pki.issueAgent(node, address: address) }
        #expect(error?.description.contains(expected) == true)
    }

    @Test func issueWithoutAuthorityExplainsWhatToRun() throws {
        let directory = try TemporaryDirectory("meridian-empty")
        let error = #expect(throws: TransportError.self) {
            _ = try PKI.issueAgent(node: "pve1", address: "10.0.0.1", in: directory.path, force: false)
        }
        #expect(error?.description.contains("meridian ca init") == true)
    }

    @Test func issueRefusesToOverwriteAnAgentKey() throws {
        let pki = try TestPKI()
        _ = try PKI.issueAgent(node: "pve1", address: "10.0.0.1", in: pki.path, force: false)
        #expect(throws: TransportError.self) {
            _ = try PKI.issueAgent(node: "pve1", address: "10.0.0.1", in: pki.path, force: false)
        }
    }
}
