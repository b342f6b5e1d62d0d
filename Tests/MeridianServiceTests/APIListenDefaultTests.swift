import ClockSync
import MeridianService
import SecureTransport
import Testing
import TestSupport

/// `api_listen` defaults to the first time server's address: where `meridian serve` runs on a
/// machine without it, the error says so and how to set it. No packet is sent: binding to an
/// address this machine lacks fails at once (10.77.250.0/24: a corner of the container lab's
/// private test subnet, on no interface here).
@Suite(.offPool) struct APIListenDefaultTests {
    @Test func aDefaultAddressThisMachineLacksIsNamedWithTheFix() throws {
        let pki = try TestPKI()
        _ = try pki.issueAgent("pve1", address: "10.77.250.10")
        let json = """
            {"name": "t", "certs_dir": "\(pki.path)", "time_servers": ["pve1"], "subnets": ["10.77.250.0/24"], "timezone": "UTC",
             "nodes": [{"name": "pve1", "address": "10.77.250.10"}, {"name": "pve2", "address": "10.77.250.11"}]}
            """
        let cluster = try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { $0 == "UTC" })
        let directory = try TemporaryDirectory("meridian-api-listen")
        var configuration = ServeConfiguration()
        configuration.stateDirectory = directory.path
        configuration.apiSocket = directory.path + "/api.sock"
        let state = ServiceState(clusterName: "t", startedAt: 0)
        let coordinator = try TLSContext(pki.coordinatorTLS())
        #expect {
            _ = try APIServer.make(cluster: cluster, clusterPath: directory.path + "/cluster.json", coordinator: coordinator,
                                   configuration: configuration, state: state, history: nil, refresh: { nil }, log: { _ in })
        } throws: { error in
            let text = "\(error)"
            return text.contains("10.77.250.10:7481") && text.contains("set \"api_listen\" in serve.json")
        }
        // Set, the same address is the admin's choice: no hint about a default.
        configuration.apiListen = "10.77.250.10:7481"
        #expect {
            _ = try APIServer.make(cluster: cluster, clusterPath: directory.path + "/cluster.json", coordinator: coordinator,
                                   configuration: configuration, state: state, history: nil, refresh: { nil }, log: { _ in })
        } throws: { error in
            "\(error)".contains("10.77.250.10:7481") && !"\(error)".contains("defaults to")
        }
    }
}
