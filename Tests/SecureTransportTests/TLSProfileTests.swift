import HostSystem
@testable import SecureTransport
import Testing
import TestSupport

/// PROTOCOL.md §1, the parts a well-behaved Meridian client never exercises: a client that
/// breaks the profile on purpose (`TLSContext.Profile`) is refused, and the refusal is named.
@Suite(.offPool) struct TLSProfileTests {
    @Test func tls12OnlyClientIsRefusedByTheAgent() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let legacy = try TLSContext(pki.coordinatorTLS(), profile: .init(tls12Only: true))
        let error = #expect(throws: TransportError.self) {
            let connection = try TLSConnection.connect(to: server.endpoint, context: legacy, timeout: .seconds(5))
            connection.close()
        }
        #expect(error?.kind == .tls)
        #expect(error?.description.contains("TLS version refused") == true, "\(error.map(\.description) ?? "-")")
        let refused = try #require(server.waitForFailure())
        #expect(refused.description.contains("TLS version refused"), "\(refused)")
        #expect(try echo("1.3 still served", to: server.endpoint, with: pki.coordinatorTLS()) == "1.3 still served")
    }

    @Test func agentSendsNoSessionTicketAndNeverResumes() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let client = try TLSContext(pki.coordinatorTLS(), profile: .init(usesTickets: true))
        let (first, second) = try Self.twoConnections(to: server.endpoint, with: client)
        #expect(!first.hasTicket, "the agent sent a NewSessionTicket")
        #expect(!second, "the second connection resumed the first session")
    }

    /// The control: the same client against a server that does issue tickets sees a ticket and
    /// resumes, so the test above can fail.
    @Test func aServerWithTicketsIsSeenByTheSameCheck() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0),
                                       context: TLSContext(pki.agentTLS("pve1"), profile: .init(usesTickets: true)))
        try DedicatedThread.start(name: "ticket-server") {
            defer { listener.close() }
            for _ in 0..<2 {
                guard let connection = try? listener.accept(timeout: .seconds(10)) else { return }
                defer { connection.close() }
                guard (try? connection.handshake(timeout: .seconds(5))) != nil,
                      let bytes = try? connection.read(maxBytes: 64, timeout: .seconds(5)) else { continue }
                try? connection.write(bytes, timeout: .seconds(5))
            }
        }
        let client = try TLSContext(pki.coordinatorTLS(), profile: .init(usesTickets: true))
        let (first, second) = try Self.twoConnections(to: listener.localEndpoint, with: client)
        #expect(first.hasTicket)
        #expect(second)
    }

    /// Echoes once (so a NewSessionTicket, sent after the handshake, has been read), keeps the
    /// session, then connects again offering it. Returns the session and whether it was resumed.
    static func twoConnections(to endpoint: Endpoint, with context: TLSContext) throws -> (TLSSession, Bool) {
        let first = try TLSConnection.connect(to: endpoint, context: context, timeout: .seconds(5))
        try first.write(Array("one".utf8), timeout: .seconds(5))
        #expect(try first.read(maxBytes: 64, timeout: .seconds(5)) == Array("one".utf8))
        let session = try #require(first.session())
        first.close()
        let second = try TLSConnection.connect(to: endpoint, context: context, expectedNode: nil, timeout: .seconds(5), offering: session)
        defer { second.close() }
        try second.write(Array("two".utf8), timeout: .seconds(5))
        #expect(try second.read(maxBytes: 64, timeout: .seconds(5)) == Array("two".utf8))
        return (session, second.wasResumed)
    }

    @Test func clientWithoutCertificateIsRefusedAsCertificateRequired() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        let anonymous = try TLSContext(pki.coordinatorTLS(), profile: .init(presentsCertificate: false))
        let error = #expect(throws: TransportError.self) {
            let connection = try TLSConnection.connect(to: server.endpoint, context: anonymous, timeout: .seconds(5))
            defer { connection.close() }
            try connection.write(Array("x".utf8), timeout: .seconds(5))
            _ = try connection.read(maxBytes: 64, timeout: .seconds(5))
        }
        #expect(error?.kind == .verification(.noCertificate), "\(error.map(\.description) ?? "-")")
        #expect(error?.description.contains("no certificate") == true)
        #expect(server.waitForFailure().map(\.kind) == .verification(.noCertificate))
    }
}
