import HostSystem
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// The HTTP listener with TLS, from real curl on 127.0.0.2 (a loopback address other than
/// 127.0.0.1, with `http_tls: on`): versions, ciphers, plain HTTP on the TLS port, the cluster CA,
/// and `http_client_auth: operator` with every kind of client certificate.
@Suite(.serialized) struct HTTPSTests {
    @Test func tls13WithTheClusterCA() async throws {
        try await HTTPSFixture.with { served in
            #expect(served.monitor.usesTLS)
            let result = try await served.curlTrusting()
            #expect(result.servedMetrics, "\(result.stderr)")
            #expect(result.stderr.contains("SSL connection using TLSv1.3"), "\(result.stderr)")
            #expect(result.stderr.contains("CN=node1"), "the master's agent certificate: \(result.stderr)")
            let page = try await served.curlTrusting(path: "/api/v1/status")
            #expect(page.succeeded && page.stdout.contains("\"verdict\""))
            #expect(served.log.all.contains { $0.contains("listening on https://\(served.address)") }, "\(served.log.all)")
        }
    }

    @Test func tls12WithECDHEAndAEAD() async throws {
        try await HTTPSFixture.with { served in
            let result = try await served.curlTrusting(["--tlsv1.2", "--tls-max", "1.2"])
            #expect(result.servedMetrics, "\(result.stderr)")
            #expect(result.stderr.contains("SSL connection using TLSv1.2 / ECDHE-ECDSA-"), "\(result.stderr)")
            #expect(result.stderr.contains("GCM") || result.stderr.contains("CHACHA20"), "\(result.stderr)")
        }
    }

    /// The client offers TLS 1.1 (security level 0, so curl's own OpenSSL does not drop it
    /// first) and the server answers with a protocol_version alert.
    @Test func tls11IsRefusedByTheServer() async throws {
        try await HTTPSFixture.with { served in
            let result = try await served.curlTrusting(["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"])
            #expect(!result.succeeded && !result.stdout.contains("meridian_"))
            #expect(result.stderr.contains("alert protocol version"), "the server's alert, not the client's refusal: \(result.stderr)")
            let named = await served.log.contains { $0.contains("TLS version refused, this side speaks TLS 1.2 (ECDHE with AEAD ciphers) or 1.3") }
            #expect(named, "\(served.log.all)")
        }
    }

    /// TLS 1.2 with a CBC cipher (ECDHE, but not AEAD) is refused.
    @Test(arguments: ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256"])
    func tls12WithoutAEADOrECDHEIsRefused(cipher: String) async throws {
        try await HTTPSFixture.with { served in
            let result = try await served.curlTrusting(["--tlsv1.2", "--tls-max", "1.2", "--ciphers", cipher])
            #expect(!result.succeeded && !result.stdout.contains("meridian_"))
            #expect(result.stderr.contains("handshake failure"), "\(result.stderr)")
        }
    }

    @Test func plainHTTPToTheTLSPortFails() async throws {
        try await HTTPSFixture.with { served in
            let result = try await served.curl([], scheme: "http")
            #expect(!result.succeeded && !result.stdout.contains("meridian_"), "\(result.stdout)")
            // The next TLS client is still served.
            #expect(try await served.curlTrusting().servedMetrics)
        }
    }

    @Test func aServerCertificateFromAnotherCAIsNotTrusted() async throws {
        try await HTTPSFixture.with { served in
            let other = try TestPKI(clusterName: "other")
            let result = try await served.curl(["--cacert", other.ca])
            #expect(!result.succeeded && result.stderr.contains("certificate"), "\(result.stderr)")
        }
    }

    @Test func httpTLSCertAndKeyReplaceTheAgentCertificate() async throws {
        try await HTTPSFixture.with(adjust: { configuration, https, pki in
            let files = try pki.issueAgent("web", address: HTTPSFixture.host)
            configuration.httpTLSCertificate = files.certificate
            configuration.httpTLSKey = files.key
            https = HTTPSSettings.make(configuration: configuration, certificateDirectory: pki.path, master: HTTPSFixture.master)
        }) { served in
            let result = try await served.curlTrusting()
            #expect(result.servedMetrics, "\(result.stderr)")
            #expect(result.stderr.contains("CN=web"), "\(result.stderr)")
        }
    }

    @Test func aMissingCertificateNamesTheFields() async throws {
        let pki = try TestPKI()
        let directory = try TemporaryDirectory("meridian-https")
        var configuration = ServeConfiguration()
        configuration.httpListen = "\(HTTPSFixture.host):0"
        configuration.httpTLS = .on
        configuration.httpTLSCertificate = directory.path + "/none.pem"
        configuration.httpTLSKey = directory.path + "/none.key"
        let configured = HTTPSSettings.make(configuration: configuration, certificateDirectory: pki.path, master: HTTPSFixture.master)
        let store = try HistoryStore(path: directory.path + "/h.db")
        #expect {
            _ = try HTTPMonitor(configuration: configuration, state: ServiceState(clusterName: "lab", startedAt: 0), store: store,
                                https: configured, log: { _ in })
        } throws: { error in
            "\(error)".contains("\"http_tls_cert\"") && "\(error)".contains("none.pem")
        }
        configuration.httpTLSCertificate = nil
        configuration.httpTLSKey = nil
        let master = HTTPSSettings.make(configuration: configuration, certificateDirectory: pki.path, master: HTTPSFixture.master)
        #expect {
            _ = try HTTPMonitor(configuration: configuration, state: ServiceState(clusterName: "lab", startedAt: 0), store: store,
                                https: master, log: { _ in })
        } throws: { error in
            "\(error)".contains("the master's agent certificate") && "\(error)".contains("http_tls_cert")
        }
    }

    /// A TLS port in use fails `start` with the address named (and the plain listener behind it stops).
    @Test func aTLSPortInUseIsNamed() async throws {
        try await HTTPSFixture.with { first in
            var configuration = ServeConfiguration()
            configuration.httpListen = first.address
            configuration.httpTLS = .on
            configuration.stateDirectory = first.directory.path + "/second"
            let https = HTTPSSettings.make(configuration: configuration, certificateDirectory: first.pki.path, master: HTTPSFixture.master)
            let second = try HTTPMonitor(configuration: configuration, state: first.state, store: first.store, https: https, log: { _ in })
            await #expect {
                try await second.start()
            } throws: { error in
                "\(error)".contains(first.address) && "\(error)".contains("cannot listen")
            }
            await second.stop()
            #expect(try await first.curlTrusting().servedMetrics, "the first listener is untouched")
        }
    }

    /// 127.0.0.2 is loopback: with `http_tls: auto` it stays plain HTTP, and TLS to it fails.
    @Test func loopbackWithAutoStaysPlain() async throws {
        try await HTTPSFixture.with(tls: .auto) { served in
            #expect(!served.monitor.usesTLS)
            let plain = try await served.curl([], scheme: "http")
            #expect(plain.servedMetrics, "\(plain.stderr)")
            let tls = try await served.curlTrusting()
            #expect(!tls.succeeded)
            #expect(!AtomicFile.exists(served.directory.path + "/state/http.sock"))
        }
    }

    @Test func theUnixSocketIsOwnerOnly() async throws {
        try await HTTPSFixture.with { served in
            let socket = served.directory.path + "/state/http.sock"
            let mode = try ChildProcess.run(["stat", "-c", "%a %F", socket], timeout: .seconds(5)).stdout
            #expect(mode.hasPrefix("600 socket"), "\(mode)")
        }
    }

    // MARK: http_client_auth: operator

    @Test func operatorAuthRefusesAClientWithoutCertificate() async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let result = try await served.curlTrusting()
            #expect(!result.succeeded && !result.stdout.contains("meridian_"), "\(result.stderr)")
            #expect(result.stderr.contains("certificate required"), "\(result.stderr)")
            let named = await served.log.contains { $0.contains("no certificate") }
            #expect(named, "\(served.log.all)")
        }
    }

    @Test(arguments: ["coordinator", "agent"])
    func operatorAuthRefusesOtherRoles(role: String) async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let files = role == "coordinator" ? (served.pki.path + "/coordinator.pem", served.pki.path + "/coordinator.key")
                : (served.pki.path + "/node1.pem", served.pki.path + "/node1.key")
            let result = try await served.curlTrusting(client: files)
            #expect(!result.succeeded && !result.stdout.contains("meridian_"), "\(result.stderr)")
            let named = await served.log.contains { $0.contains("wrong role") || $0.contains("lacks") }
            #expect(named, "\(served.log.all)")
        }
    }

    @Test(arguments: [false, true])
    func operatorAuthAcceptsOperators(readOnly: Bool) async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let files = readOnly ? served.readOnlyFiles : served.operatorFiles
            let result = try await served.curlTrusting(client: (files.certificate, files.key))
            #expect(result.servedMetrics, "\(result.stderr)")
            let tls12 = try await served.curlTrusting(["--tlsv1.2", "--tls-max", "1.2"], client: (files.certificate, files.key))
            #expect(tls12.servedMetrics, "\(tls12.stderr)")
        }
    }

    /// `meridian ca revoke` while the service runs: the relay's listener reads the new CRL at its
    /// next accept (TLSListener's stamp check), so the revoked operator's next scrape is refused.
    @Test func anOperatorRevokedWhileTheListenerRunsIsRefusedAtOnce() async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let before = try await served.curlTrusting(client: (served.operatorFiles.certificate, served.operatorFiles.key))
            #expect(before.servedMetrics, "\(before.stderr)")
            _ = try PKI.revoke(name: "ops", in: served.pki.path)
            let after = try await served.curlTrusting(client: (served.operatorFiles.certificate, served.operatorFiles.key))
            #expect(!after.succeeded && !after.stdout.contains("meridian_"), "still served after the revocation: \(after.stderr)")
            let viewer = try await served.curlTrusting(client: (served.readOnlyFiles.certificate, served.readOnlyFiles.key))
            #expect(viewer.servedMetrics, "another operator is refused too: \(viewer.stderr)")
        }
    }

    @Test func operatorAuthRefusesARevokedOperator() async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let result = try await served.curlTrusting(client: (served.revokedFiles.certificate, served.revokedFiles.key))
            #expect(!result.succeeded && !result.stdout.contains("meridian_"), "\(result.stderr)")
            let named = await served.log.contains { $0.contains("revoked") }
            #expect(named, "\(served.log.all)")
        }
    }
}
