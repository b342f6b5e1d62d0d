@testable import Coordinator
import HostSystem
import SecureTransport
import Synchronization
import Testing
import TestSupport
import WireProtocol

/// A new coordinator reaching an old agent: the agent answers `agent.hello` with a version the
/// coordinator does not speak, and the connection stops there with both sides named.
@Suite struct ProtocolMismatchTests {
    @Test func oldAgentIsRefusedNamingBothVersions() async throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(pki.agentTLS("pve1")))
        defer { listener.close() }
        // The old agent: answers hello with protocol 1, then waits for what comes next.
        // Its own thread from the start (not a Task): on a loaded pool a Task may begin only
        // after the coordinator's handshake timed out.
        let sawRequest = Mutex<Result<Bool, any Error>?>(nil)
        try DedicatedThread.start(name: "old-agent") {
            let outcome = Result { () throws -> Bool in
                guard let connection = try listener.accept(timeout: .seconds(20)) else { return false }
                try connection.handshake(timeout: .seconds(10))
                let framed = FramedConnection(connection)
                defer { framed.close() }
                _ = try framed.readFrame(timeout: .seconds(10))
                let hello = try RPCCodec.encode(HelloResult(node: "pve1", agentVersion: "0.0.9", protocolVersion: 1, capabilities: ["chrony.apply"]))
                try framed.writeFrame(RPCCodec.encodeResponse(RPCResponse(id: .number(1), outcome: .success(hello))), timeout: .seconds(5))
                // Anything after the hello would be a request in a protocol the agent does not share.
                let next = try? framed.readFrame(timeout: .seconds(5))
                return next != nil
            }
            sawRequest.withLock { $0 = outcome }
        }
        let endpoint = listener.localEndpoint
        let context = try TLSContext(pki.coordinatorTLS())
        let outcome = try await DedicatedThread.run(name: "new-coordinator") { () -> String? in
            do {
                _ = try AgentClient.connect(to: endpoint, expectedNode: "pve1", context: context, timeout: .seconds(10))
                return nil
            } catch { return "\(error)" }
        }
        let message = try #require(outcome, "the coordinator accepted an agent speaking protocol 1")
        #expect(message.contains("agent 0.0.9 speaks protocol 1") && message.contains("coordinator \(MeridianVersion.current) speaks protocol 2"), "\(message)")
        let deadline = ContinuousClock.now + .seconds(30)
        while sawRequest.withLock({ $0 == nil }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let old = try #require(sawRequest.withLock { $0 }, "the old agent never finished")
        #expect(try old.get() == false, "no request followed the hello")
    }
}
