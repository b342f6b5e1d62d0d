import ClockSync
@testable import Coordinator
import HostSystem
import JSONCore
@testable import MeridianService
import RPCServer
import SecureTransport
import Testing
import TestSupport
import Synchronization
import WireProtocol

/// `meridian ca revoke NAME --dir DIR` (the command itself) while the API runs: the revoked operator's open connection is closed
/// within a bounded time and its next connection refused; another operator is not disturbed.
/// Loopback 127.0.0.1 only.
@Suite struct APIRevocationTests {
    @Test func revokedOperatorIsCutOffWhileOthersStay() async throws {
        let pki = try TestPKI()
        try pki.issueAgent("node1", address: "127.0.0.1")
        for name in ["alice", "bob"] {
            _ = try PKI.issueOperator(name: name, readOnly: false, certificates: pki.path, outputDirectory: pki.path, force: true)
        }
        let cluster = try APIBenchmark.cluster(nodes: 2)
        let state = ServiceState(clusterName: cluster.name, startedAt: WallClock.now().asDouble)
        let jobs = try JobManager(journalPath: pki.path + "/jobs.jsonl", log: { _ in })
        let router = APIRouter(.init(state: state, history: nil, jobs: jobs,
                                     actions: APIActions(apply: { _, _ in ApplyOutcome(steps: [], verdict: "ok", failed: false, status: nil) },
                                                         setClock: { _ in .success(.null) }, plan: { .array([]) }),
                                     lockPath: pki.path + "/apply.lock", nodes: cluster.nodes.map(\.name.description), refresh: { nil }))
        let crl = PKI.revocationListPath(in: pki.path)
        #expect(!AtomicFile.exists(crl))
        let context = try APIServer.serverTLS(caPath: pki.ca, certificatePath: pki.path + "/node1.pem", keyPath: pki.path + "/node1.key", crlPath: crl)
        let lines = Mutex<[String]>([])
        let server = try APIServer(router: router, tls: (Endpoint(host: "127.0.0.1", port: 0), context), socketPath: nil,
                                   log: { line in lines.withLock { $0.append(line) } })
        try server.start()
        defer { server.stop() }
        let endpoint = try #require(server.endpoint)

        let outcome = try await DedicatedThread.run(name: "crl-test") { () throws -> (aliceCut: Duration?, aliceAgain: Bool, bobOpen: Bool, bobAgain: Bool) in
            func connect(_ name: String) throws -> FramedConnection {
                let tls = TLSConfiguration(caPath: pki.ca, certificatePath: "\(pki.path)/\(name).pem", keyPath: "\(pki.path)/\(name).key", role: .operator)
                return FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(tls), expectedNode: "node1", timeout: .seconds(5)))
            }
            /// True when the call got a result; false when the connection was refused or closed.
            func hello(_ connection: FramedConnection, id: Int) -> Bool {
                do {
                    try connection.writeFrame(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"api.hello","params":{"client_version":"t","protocol_versions":[1]}}"#.utf8), timeout: .seconds(5))
                    guard let answer = try connection.readFrame(timeout: .seconds(5)) else { return false }
                    return try JSONValue(parsing: answer)["result"] != nil
                } catch { return false }
            }
            let alice = try connect("alice"), bob = try connect("bob")
            defer { alice.close(); bob.close() }
            guard hello(alice, id: 1), hello(bob, id: 1) else { throw TransportError(.io, "hello failed before the revocation") }

            // The admin's command, with `--dir` as `ca init` and `ca issue` name the directory.
            let revoke = try ChildProcess.run([AgentProcess.meridianBinary, "ca", "revoke", "alice", "--dir", pki.path], timeout: .seconds(30))
            guard revoke.succeeded, revoke.stdout.hasPrefix("alice: revoked "), revoke.stdout.contains("crl.pem") else {
                throw TransportError(.io, "meridian ca revoke alice --dir: \(revoke.stdout) \(revoke.stderr)")
            }
            let revoked = ContinuousClock.now
            // Bob asks at once: his request is likely to be the first to read the new CRL, and
            // alice's connection must be closed all the same (the watch is told whoever read it).
            guard hello(bob, id: 2) else { throw TransportError(.io, "bob's request right after the revocation failed") }
            // The open connection: the server closes it (a read sees the end) within a few seconds.
            var aliceCut: Duration?
            while ContinuousClock.now - revoked < .seconds(5) {
                do {
                    if try alice.readFrame(timeout: .milliseconds(200)) == nil { aliceCut = ContinuousClock.now - revoked; break }
                } catch let error as TransportError where error.kind == .timedOut {
                    continue
                } catch { aliceCut = ContinuousClock.now - revoked; break }
            }
            let aliceAgain = (try? connect("alice")).map { hello($0, id: 2) } ?? false
            return (aliceCut, aliceAgain, hello(bob, id: 3), (try? connect("bob")).map { hello($0, id: 4) } ?? false)
        }
        let cut = try #require(outcome.aliceCut, "alice's open connection was not closed within 5 s")
        #expect(cut < RevocationWatch.period * 3)
        #expect(!outcome.aliceAgain, "a revoked operator connected again")
        #expect(outcome.bobOpen, "bob's open connection was disturbed")
        #expect(outcome.bobAgain, "bob could not connect again")
        #expect(lines.withLock { $0 }.contains { $0.contains("operator alice") && $0.contains("revoked") })
    }
}
