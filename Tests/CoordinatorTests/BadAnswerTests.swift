import HostSystem
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol
@testable import Coordinator

/// A bad answer from one agent fails that agent's report alone; the others are still measured.
@Suite(.serialized) struct BadAnswerTests {
    let pki: TestPKI
    init() throws {
        pki = try TestPKI()
        try pki.issueAgent("fake", address: "127.0.0.1")
        try pki.issueAgent("real", address: "127.0.0.1")
    }

    func realAgent(_ adjust: (inout AgentConfiguration) -> Void = { _ in }) throws -> AgentServer {
        var config = AgentConfiguration(node: "real", listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/real.pem", keyPath: pki.path + "/real.key")
        config.idleTimeoutSeconds = 5
        adjust(&config)
        let server = try AgentServer(configuration: config)
        try server.start()
        return server
    }

    /// Pings the fake agent and a real one; returns the fake's report after checking the real one.
    func pingBeside(_ fake: FakeAgent) async throws -> PingReport {
        let real = try realAgent()
        defer { real.stop() }
        let reports = try await Ping.run(targets: [fake.target, "127.0.0.1:\(real.localEndpoint.port)"],
                                         certificates: CertificateDirectory(path: pki.path))
        #expect(reports.count == 2)
        #expect(reports[1].ok, "the real agent is still measured: \(reports[1])")
        #expect(reports[0].ok == false)
        return reports[0]
    }

    static func stamp(_ seconds: Int64, _ nanoseconds: Int32 = 0) -> Timestamp { Timestamp(seconds: seconds, nanoseconds: nanoseconds) }

    /// Each overflowed the old nanosecond arithmetic (more than 292 years from our clock) and killed `meridian ping`.
    @Test(arguments: [Int64.max, Int64.min, 20_000_000_000, -20_000_000_000])
    func timestampsFarFromOurClockFailThatNodeAlone(seconds: Int64) async throws {
        let fake = try FakeAgent(pki.agentTLS("fake"), answer: FakeAgent.answering(node: "fake") {
            ProbeResult(receive: Self.stamp(seconds), send: Self.stamp(seconds))
        })
        defer { fake.stop() }
        let report = try await pingBeside(fake)
        #expect(report.error?.contains("cannot be true") == true, "\(report)")
    }

    @Test func sendBeforeReceiveFailsThatNodeAlone() async throws {
        let fake = try FakeAgent(pki.agentTLS("fake"), answer: FakeAgent.answering(node: "fake") {
            let now = WallClock.now()
            return ProbeResult(receive: now, send: Timestamp(seconds: now.seconds - 1, nanoseconds: now.nanoseconds))
        })
        defer { fake.stop() }
        let report = try await pingBeside(fake)
        #expect(report.error?.contains("before its receive time") == true, "\(report)")
    }

    @Test func aVersionWeNeverOfferedFailsThatNodeAlone() async throws {
        let fake = try FakeAgent(pki.agentTLS("fake"), answer: FakeAgent.answering(node: "fake", version: 99) {
            let now = WallClock.now()
            return ProbeResult(receive: now, send: now)
        })
        defer { fake.stop() }
        let report = try await pingBeside(fake)
        #expect(report.error?.contains("protocol version 99") == true, "\(report)")
        #expect(report.error?.contains("did not offer") == true, "\(report)")
    }

    @Test func aMalformedProbeAnswerNamesTheField() async throws {
        let fake = try FakeAgent(pki.agentTLS("fake")) { request in
            if request.method == Method.hello.rawValue {
                return .success(.object(["node": .string("fake"), "agent_version": .string("fake"), "protocol_version": .integer(Int64(ProtocolVersion.current)), "capabilities": .array([])]))
            }
            return .success(.object(["receive": .string("soon"), "send": .object([:])]))
        }
        defer { fake.stop() }
        let report = try await pingBeside(fake)
        let error = try #require(report.error)
        #expect(error.contains("malformed") && error.contains("\"receive\""), "\(error)")
        #expect(!error.contains("Timestamp") && !error.contains("Dictionary"), "\(error)")
    }

    /// A full agent answers -32005 and the coordinator says "busy", not "unexpected eof".
    @Test func aFullAgentIsReportedBusy() async throws {
        let real = try realAgent { $0.maxConnections = 1 }
        defer { real.stop() }
        let context = try CertificateDirectory(path: pki.path).coordinatorContext()
        let held = try AgentClient.connect(to: real.localEndpoint, expectedNode: "127.0.0.1", context: context, timeout: .seconds(10))
        defer { held.close() }
        let reports = try await Ping.run(targets: ["127.0.0.1:\(real.localEndpoint.port)"], certificates: CertificateDirectory(path: pki.path))
        #expect(reports[0].ok == false)
        #expect(reports[0].error?.contains("busy") == true, "\(reports[0])")
    }
}
