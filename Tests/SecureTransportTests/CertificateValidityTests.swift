import SecureTransport
import Testing
import TestSupport

/// A certificate outside its validity period, in both directions, is named for what it most
/// likely means on an offline cluster: a clock that is off (issue 14 item 10).
@Suite(.offPool) struct CertificateValidityTests {
    static let future = CertificateValidity.custom(notBeforeOffset: 86_400, lifetimeSeconds: 86_400)
    static let past = CertificateValidity.custom(notBeforeOffset: -7200, lifetimeSeconds: 3600)

    /// (validity, reason, the words both sides print)
    static let cases: [(CertificateValidity, VerificationFailure, String)] = [
        (future, .notYetValid, "certificate not yet valid (node clock behind?)"),
        (past, .expired, "certificate expired (node clock ahead?)"),
    ]

    /// The coordinator checks the agent's certificate; the agent learns why from the alert.
    @Test(arguments: cases)
    func agentCertificateOutsideItsValidity(validity: CertificateValidity, reason: VerificationFailure, words: String) throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1", validity: validity)
        let server = try EchoServer(pki.agentTLS("pve1"))
        let error = #expect(throws: TransportError.self) { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS()) }
        #expect(error?.kind == .verification(reason))
        #expect(error?.description.contains("peer certificate rejected: \(words)") == true, "\(error.map(\.description) ?? "-")")
        let refused = try #require(server.waitForFailure())
        #expect(refused.kind == .verification(reason))
        #expect(refused.description.contains("the peer refused our certificate: \(words)"), "\(refused)")
    }

    /// The agent checks the coordinator's certificate (a node whose clock is behind sees it as
    /// not yet valid); the coordinator maps the alert it receives to the same words.
    @Test(arguments: cases)
    func coordinatorCertificateOutsideItsValidity(validity: CertificateValidity, reason: VerificationFailure, words: String) throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve1"))
        _ = try PKI.issueCoordinator(name: "coordinator", in: pki.path, force: true, validity: validity)
        let error = #expect(throws: TransportError.self) { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS()) }
        #expect(error?.kind == .verification(reason))
        #expect(error?.description.contains("the peer refused our certificate: \(words)") == true, "\(error.map(\.description) ?? "-")")
        let refused = try #require(server.waitForFailure())
        #expect(refused.kind == .verification(reason))
        #expect(refused.description.contains("peer certificate rejected: \(words)"), "\(refused)")
    }

    /// OpenSSL would alert `bad_certificate` for a name mismatch too; our callback turns that
    /// into `certificate_unknown`, so the agent never reads a wrong node as a clock problem.
    @Test func wrongNodeIsNotReportedAsAClockProblemOnTheAgent() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve2", address: "127.0.0.1")
        let server = try EchoServer(pki.agentTLS("pve2"))
        #expect(verificationFailure { _ = try echo("x", to: server.endpoint, with: pki.coordinatorTLS(), expectedNode: "pve1") } == .wrongNode)
        let refused = try #require(server.waitForFailure())
        #expect(refused.kind == .verification(.other), "\(refused)")
    }
}
