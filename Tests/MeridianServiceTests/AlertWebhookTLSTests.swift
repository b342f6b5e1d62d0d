import HostSystem
import JSONCore
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// https:// webhooks: the event goes over TLS to a receiver whose certificate the configured
/// `webhook_ca` vouches for and which names the address dialled; a receiver of another CA, or
/// one whose certificate names another address, gets nothing and the failure names why. Real
/// TLS on 127.0.0.1; the receiver's certificates come from a test cluster CA.
@Suite(.offPool) struct AlertWebhookTLSTests {
    let pki: TestPKI
    init() throws {
        pki = try TestPKI()
        try pki.issueAgent("hooks", address: "127.0.0.1")
        try pki.issueAgent("elsewhere", address: "127.0.0.9")
    }

    func receiver(_ name: String, tls12Only: Bool = false) throws -> TLSWebhookReceiver {
        try TLSWebhookReceiver(certificate: "\(pki.path)/\(name).pem", key: "\(pki.path)/\(name).key", ca: pki.ca, tls12Only: tls12Only)
    }

    static let body = Array(#"{"event":"verdict_changed"}"#.utf8)

    @Test func aPostGoesOverTLSToAReceiverTheCAVouchesFor() throws {
        let hooks = try receiver("hooks")
        defer { hooks.stop() }
        let url = try WebhookURL(parsing: hooks.url())
        #expect(url.usesTLS && url.port == hooks.port)
        let outcome = WebhookPost.send(Self.body, to: url, tls: try TLSContext.webhookClient(caPath: pki.ca), timeout: .seconds(10))
        #expect(outcome == .status(204), "\(outcome); receiver: \(hooks.handshakeErrors)")
        let request = try #require(hooks.requests.first)
        #expect(request.head.hasPrefix("POST /hook HTTP/1.1\r\n"), "\(request.head)")
        #expect(request.head.contains("Host: 127.0.0.1:\(hooks.port)"), "\(request.head)")
        #expect(request.body == String(decoding: Self.body, as: UTF8.self))
    }

    /// Receivers that speak TLS 1.2 only (older appliances) are reached too, with ECDHE + AEAD.
    @Test func aTLS12OnlyReceiverIsReached() throws {
        let hooks = try receiver("hooks", tls12Only: true)
        defer { hooks.stop() }
        let outcome = WebhookPost.send(Self.body, to: try WebhookURL(parsing: hooks.url()), tls: try TLSContext.webhookClient(caPath: pki.ca),
                                       timeout: .seconds(10))
        #expect(outcome == .status(204), "\(outcome); receiver: \(hooks.handshakeErrors)")
        #expect(hooks.requests.count == 1)
    }

    @Test func aCertificateForAnotherAddressIsRefusedByName() throws {
        let hooks = try receiver("elsewhere")  // names 127.0.0.9, listens on 127.0.0.1
        defer { hooks.stop() }
        let outcome = WebhookPost.send(Self.body, to: try WebhookURL(parsing: hooks.url()), tls: try TLSContext.webhookClient(caPath: pki.ca),
                                       timeout: .seconds(10))
        guard case .failed(let why) = outcome else { Issue.record("delivered to the wrong certificate: \(outcome)"); return }
        #expect(why.contains("IP address mismatch") && why.contains("expected a certificate for 127.0.0.1"), "\(why)")
        #expect(hooks.requests.isEmpty)
    }

    @Test func aReceiverOfAnotherCAIsRefused() throws {
        let hooks = try receiver("hooks")
        defer { hooks.stop() }
        let other = try TestPKI(clusterName: "other")
        let outcome = WebhookPost.send(Self.body, to: try WebhookURL(parsing: hooks.url()), tls: try TLSContext.webhookClient(caPath: other.ca),
                                       timeout: .seconds(10))
        guard case .failed(let why) = outcome else { Issue.record("delivered to an untrusted certificate: \(outcome)"); return }
        #expect(why.contains("peer certificate rejected: unknown CA"), "\(why)")
        #expect(hooks.requests.isEmpty)
    }

    /// The service's path: serve.json's https:// URL and webhook_ca, the Alerter's worker.
    @Test func theAlerterDeliversEventsToAnHTTPSWebhook() async throws {
        let hooks = try receiver("hooks")
        defer { hooks.stop() }
        let url = hooks.url(), ca = pki.ca
        let rig = try AlertWebhookTests.Rig({ $0.webhooks = [url]; $0.webhookCA = ca })
        defer { rig.alerter.stop() }
        try rig.publish([0.0004, 1.02, 1.02])
        #expect(try await rig.idle())
        let got = hooks.requests.map { AlertWebhookTests.summary((try? JSONValue(parsing: Array($0.body.utf8))) ?? .null) }
        #expect(got == Array(AlertWebhookTests.expected.prefix(2)), "receiver: \(hooks.handshakeErrors)")
        #expect(rig.health(url)?.delivered == 2, "\(String(describing: rig.health(url)))")
    }

    @Test func anHTTPSWebhookNeedsAUsableCAFileAtStart() throws {
        let directory = try TemporaryDirectory("meridian-hooks")
        let state = ServiceState(clusterName: "lab", startedAt: 0)
        let store = try HistoryStore(path: directory.file("history.db"))
        var configuration = ServeConfiguration()
        configuration.webhooks = ["http://127.0.0.1:9/plain", "https://127.0.0.1:9/hook"]
        configuration.webhookCA = directory.file("missing-ca.pem")
        #expect {
            _ = try Alerter(configuration: configuration, state: state, store: store, log: { _ in })
        } throws: { error in
            "\(error)".contains("webhook_ca") && "\(error)".contains("missing-ca.pem")
        }
        // Plain http:// webhooks alone never read it.
        configuration.webhooks = ["http://127.0.0.1:9/plain"]
        _ = try Alerter(configuration: configuration, state: state, store: store, log: { _ in })
    }
}
