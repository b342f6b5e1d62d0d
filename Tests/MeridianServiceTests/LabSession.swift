import ClockSync
@testable import Coordinator
import SecureTransport
import TestSupport

/// The loopback lab of one lab suite (APILabTests, HTTPLabTests): its directory and layout, and
/// its turn at the lab's fixed addresses (`LabTurn`: other suites of this process start labs
/// too), taken at the first `start` and given back, with the lab brought down, when the suite
/// instance goes. Needs the lab lock across processes (`flock /tmp/meridian-test.lock`).
final class LabSession {
    let directory: TemporaryDirectory
    let layout: LabLayout
    private var holdsTurn = false

    init(_ name: String) throws {
        directory = try TemporaryDirectory(name)
        layout = LabLayout(directory: directory.path)
    }

    deinit {
        Lab.down(layout)
        if holdsTurn { LabTurn.shared.release() }
    }

    /// A lab of `nodes` agents with real chronyd -x, `skews` under libfaketime; the cluster and
    /// the coordinator's TLS context for it.
    func start(nodes: Int, skews: [String: Double]) async throws -> (ClusterFile, TLSContext) {
        let build = AgentProcess.buildDirectory
        var request = Lab.Request(directory: directory.path, meridianBinary: build + "/meridian", agentBinary: build + "/meridian-agent")
        request.nodes = nodes
        request.skews = skews
        if !holdsTurn {
            await LabTurn.shared.acquire()
            holdsTurn = true
        }
        let cluster = try await Lab.start(request)
        return (cluster, try CertificateDirectory(path: cluster.certificateDirectory).coordinatorContext())
    }
}
