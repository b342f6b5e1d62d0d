import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol
@testable import Coordinator

/// `meridian ping` end to end: real TLS over loopback against in-process agents and real agent processes.
@Suite(.serialized) struct PingTests {
    let pki: TestPKI
    init() throws { pki = try TestPKI() }

    func startAgent(_ node: String, address: String = "127.0.0.1", certificateFor certNode: String? = nil) throws -> AgentServer {
        var config = AgentConfiguration(
            node: node, listen: "\(address):0", caPath: pki.ca,
            certificatePath: "\(pki.path)/\(certNode ?? node).pem", keyPath: "\(pki.path)/\(certNode ?? node).key")
        config.idleTimeoutSeconds = 2
        let server = try AgentServer(configuration: config)
        try server.start()
        return server
    }

    @Test func reachesAgentsAndMeasuresASmallOffset() async throws {
        try pki.issueAgent("node1", address: "127.0.0.1")
        try pki.issueAgent("node2", address: "127.0.0.1")
        let a = try startAgent("node1"), b = try startAgent("node2")
        defer { a.stop(); b.stop() }
        let targets = ["127.0.0.1:\(a.localEndpoint.port)", "127.0.0.1:\(b.localEndpoint.port)"]
        let reports = try await Ping.run(targets: targets, certificates: CertificateDirectory(path: pki.path))
        #expect(reports.map(\.node) == ["node1", "node2"])
        for report in reports {
            #expect(report.ok, "\(report)")
            #expect(report.agentVersion == MeridianVersion.current)
            let offset = try #require(report.offsetSeconds)
            let rtt = try #require(report.rttSeconds)
            #expect(rtt > 0)
            // Same clock: the four-timestamp estimate can be off by at most half the round trip
            // (bounded by the measurement itself, not by how loaded the machine is).
            #expect(abs(offset) <= rtt / 2 + 0.001, "same clock, offset \(offset), rtt \(rtt)")
        }
    }

    @Test func unreachableAgentIsReportedAndTheOthersStillAnswer() async throws {
        try pki.issueAgent("node1", address: "127.0.0.1")
        let a = try startAgent("node1")
        defer { a.stop() }
        var options = Ping.Options()
        options.timeout = .seconds(2)
        let reports = try await Ping.run(
            targets: ["127.0.0.1:1", "127.0.0.1:\(a.localEndpoint.port)", "bad:port:x"],
            certificates: CertificateDirectory(path: pki.path), options: options)
        #expect(reports.map(\.ok) == [false, true, false])
        #expect(reports[0].error?.contains("127.0.0.1:1") == true, "\(reports[0])")
        #expect(reports[2].error != nil)
    }

    @Test func certificateForAnotherAddressIsRefusedAsWrongNode() async throws {
        // The agent at 127.0.0.1 presents a certificate issued for 127.0.0.5.
        try pki.issueAgent("node9", address: "127.0.0.5")
        let a = try startAgent("node9")
        defer { a.stop() }
        let reports = try await Ping.run(targets: ["127.0.0.1:\(a.localEndpoint.port)"], certificates: CertificateDirectory(path: pki.path))
        #expect(reports[0].ok == false)
        #expect(reports[0].error?.contains("wrong node") == true, "\(reports[0])")
    }

    @Test func agentFromAnotherClusterIsRefusedAsUnknownCA() async throws {
        let other = try TestPKI(clusterName: "other")
        try other.issueAgent("node1", address: "127.0.0.1")
        var config = AgentConfiguration(node: "node1", listen: "127.0.0.1:0", caPath: other.ca,
                                        certificatePath: other.path + "/node1.pem", keyPath: other.path + "/node1.key")
        config.idleTimeoutSeconds = 2
        let server = try AgentServer(configuration: config)
        try server.start()
        defer { server.stop() }
        let reports = try await Ping.run(targets: ["127.0.0.1:\(server.localEndpoint.port)"], certificates: CertificateDirectory(path: pki.path))
        #expect(reports[0].ok == false)
        #expect(reports[0].error?.contains("unknown CA") == true, "\(reports[0])")
    }

    /// A real agent process under libfaketime at +2.5 s is measured at 2.5 s within rtt/2 + 5 ms.
    @Test func fakedClockIsMeasuredWithinHalfTheRoundTrip() async throws {
        let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        try #require(FileCheck.exists(libfaketime), "Debian's faketime package is needed (scripts/install-deps.sh)")
        try pki.issueAgent("skewed", address: "127.0.0.1")
        let port = 17_000 + UInt16.random(in: 0..<2000)
        try pki.directory.write("offset", "+2.5\n")
        try pki.directory.write("agent.json", pki.agentConfigJSON("skewed", listen: "127.0.0.1:\(port)"))
        let agent = try await AgentProcess.launch(
            configPath: pki.directory.file("agent.json"), logPath: pki.directory.file("agent.log"),
            environment: ["LD_PRELOAD": libfaketime, "FAKETIME_TIMESTAMP_FILE": pki.directory.file("offset"),
                          "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"])
        let reports = try await Ping.run(targets: ["127.0.0.1:\(port)"], certificates: CertificateDirectory(path: pki.path))
        let offset = try #require(reports[0].offsetSeconds, "\(reports[0])")
        let rtt = try #require(reports[0].rttSeconds)
        // Within half the round trip (the estimate's own bound) plus 5 ms for libfaketime.
        #expect(abs(offset - 2.5) <= rtt / 2 + 0.005, "measured \(offset), rtt \(rtt)")
        await agent.stopAndWait()  // on a failed #require above, deinit kills it
    }
}
