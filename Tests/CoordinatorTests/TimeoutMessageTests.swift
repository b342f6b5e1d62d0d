import HostSystem
import SecureTransport
import Synchronization
import Testing
import TestSupport
import WireProtocol
@testable import Coordinator

/// A deadline message names the configured timeout and what was awaited, not the time that
/// happened to be left when the last read began.
@Suite(.serialized, .offPool) struct TimeoutMessageTests {
    let pki: TestPKI
    init() throws {
        pki = try TestPKI()
        try pki.issueAgent("slow", address: "127.0.0.1")
    }

    @Test func anAnswerThatNeverComesNamesTheTimeout() async throws {
        let fake = try FakeAgent(pki.agentTLS("slow")) { request in
            if request.method == Method.hello.rawValue {
                return .success(.object(["node": .string("slow"), "agent_version": .string("fake"), "protocol_version": .integer(Int64(ProtocolVersion.current)), "capabilities": .array([])]))
            }
            ChildProcess.sleep(.seconds(3))
            return .failure(RPCError(code: RPCError.internalError, message: "too late"))
        }
        defer { fake.stop() }
        var options = Ping.Options()
        options.timeout = .milliseconds(800)
        let reports = try await Ping.run(targets: [fake.target], certificates: CertificateDirectory(path: pki.path), options: options)
        let error = try #require(reports[0].error)
        #expect(error.contains("within the timeout (800 ms)"), "\(error)")
    }

    @Test func aHandshakeThatNeverFinishesNamesTheTimeout() throws {
        let listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(pki.agentTLS("slow")))
        let held = Mutex<[TLSConnection]>([])
        let stop = Mutex(false)
        try DedicatedThread.start(name: "silent-accept") {
            while !stop.withLock({ $0 }) {
                if let connection = try? listener.accept(timeout: .milliseconds(50)) { held.withLock { $0.append(connection) } }
            }
            listener.close()
        }
        defer { stop.withLock { $0 = true } }
        let context = try CertificateDirectory(path: pki.path).coordinatorContext()
        do {
            _ = try AgentClient.connect(to: listener.localEndpoint, expectedNode: "127.0.0.1", context: context, timeout: .milliseconds(500))
            Issue.record("connected to a listener that never handshakes")
        } catch {
            #expect("\(error)".contains("handshake") && "\(error)".contains("500 ms"), "\(error)")
        }
    }
}
