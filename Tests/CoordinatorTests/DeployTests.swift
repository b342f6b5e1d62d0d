import HostSystem
import ClockSync
@testable import Coordinator
import JSONCore
import SecureTransport
import Synchronization
import Testing
import TestSupport
import WireProtocol

/// `meridian deploy` over real OpenSSH: one sshd per node (own port, host key, key-only root
/// login, own root directory). The remote commands that would be `dpkg -i` and
/// `systemctl enable --now` come from per-node settings that start the agent in the background;
/// everything else is the real path: ssh by argv, key and CSR made on the node, signed here.
///
/// Root only: sshd must run as root to log a client in as root. CI runs as root, so there these
/// always run; elsewhere they are skipped with this reason rather than failing obscurely.
/// Serialized: ssh's control sockets are per process and node name.
@Suite(.serialized, .enabled(if: Privileges.isRoot, "needs root: the tests start sshd and log in as root (CI runs as root)"))
final class DeployTests {
    /// Each test gets its own 127.77.N.0/24 (N differs per test in this process, and starts at a
    /// random place so concurrent runs are unlikely to meet), so no test meets another's sshd,
    /// agent or leftover socket on an address and port.
    static let nextSubnet = Atomic<Int>(Int.random(in: 0..<250))
    let subnet: Int
    let directory: TemporaryDirectory
    let certificates: CertificateDirectory
    var nodes: [SSHNode] = []

    init() throws {
        subnet = Self.nextSubnet.add(1, ordering: .relaxed).newValue % 250 + 1
        directory = try TemporaryDirectory("meridian-deploy")
        _ = try PKI.initAuthority(in: directory.file("certs"), clusterName: "deploy", force: false)
        certificates = CertificateDirectory(path: directory.file("certs"))
    }

    /// Tests call `stopNodes()` (which waits); this is the fallback when one ends early.
    deinit { nodes.forEach { $0.stop() } }

    func address(_ index: Int) -> String { "127.77.\(subnet).\(index)" }

    func cluster(_ count: Int) throws -> ClusterFile {
        var request = ClusterInit.Request()
        request.nodes = (1...count).map { "dnode\($0)=\(address($0))" }
        request.subnets = ["127.0.0.0/8"]
        request.timezone = "UTC"
        request.certificateDirectory = certificates.path
        return try ClusterInit.build(request)
    }

    static var sourceRoot: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/CoordinatorTests/DeployTests.swift
        return parts.joined(separator: "/")
    }

    func settings(package: String? = nil) -> DeploySettings {
        var settings = DeploySettings()
        settings.identity = directory.file("client_key")
        settings.knownHosts = directory.file("known_hosts")
        settings.agentBinary = AgentProcess.agentBinary
        settings.unitFile = Self.sourceRoot + "/packaging/meridian-agent.service"
        settings.package = package
        for node in nodes {
            let root = node.root
            let start = "MERIDIAN_AGENT_CONFIG=\(root)/etc/meridian/agent.json setsid \(root)/usr/bin/meridian-agent > \(root)/agent.log 2>&1 < /dev/null & echo $! > \(root)/agent.pid"
            // In package mode the node's "dpkg -i" unpacks into the node's root instead of /.
            let install = package.map { _ in ["sh", "-c", "dpkg -x \"$1\" \(root)", "sh"] }
            settings.nodes[node.name] = DeploySettings.Node(
                user: "root", port: node.port, root: root, install: install,
                start: ["sh", "-c", start],
                restart: ["sh", "-c", "kill $(cat \(root)/agent.pid) 2>/dev/null; sleep 0.5; " + start],
                stop: ["sh", "-c", "kill $(cat \(root)/agent.pid) 2>/dev/null; sleep 0.5"])
        }
        return settings
    }

    func startNodes(_ count: Int) async throws {
        for index in 1...count {
            nodes.append(try await SSHNode.start(name: "dnode\(index)", address: address(index), port: 2200 + index, directory: directory.path))
        }
    }

    func stopNodes() async { for node in nodes { await node.stopAndWait() } }

    @Test func deployReachesEveryAgentAndASecondRunChangesNothing() async throws {
        try await startNodes(3)
        let cluster = try cluster(3)
        let dry = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: { var o = Deploy.Options(); o.dryRun = true; return o }()) { _ in }
        #expect(dry.map(\.outcome) == ["planned", "planned", "planned"], "\(dry)")
        #expect(!AtomicFile.exists(nodes[0].root + "/usr/bin/meridian-agent"), "a dry run installs nothing")

        let first = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(first.map(\.outcome) == ["changed", "changed", "changed"], "\(first)")
        #expect(try FileCheck.permissions(nodes[0].root + "/etc/meridian/agent.key") == 0o600)
        #expect(try readText(nodes[0].root + "/lib/systemd/system/meridian-agent.service").contains("Type=notify"), "the unit comes along without a package")
        let pings = try await Ping.run(targets: (1...3).map(address), certificates: certificates)
        #expect(pings.map(\.node) == ["dnode1", "dnode2", "dnode3"] && pings.map(\.ok) == [true, true, true], "\(pings)")

        let second = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(second.map(\.outcome) == ["unchanged", "unchanged", "unchanged"], "\(second)")

        let renewed = try await Deploy.run(cluster, settings: settings(), certificates: certificates,
                                           options: { var o = Deploy.Options(); o.renew = true; o.nodes = ["dnode2"]; return o }()) { _ in }
        #expect(renewed.map(\.node) == ["dnode2"] && renewed.first?.actions.contains("issue a new agent certificate") == true, "\(renewed)")
        await stopNodes()
    }

    @Test func unknownHostKeyAndStoppedSSHDAreNamedAndTheOthersDeploy() async throws {
        try await startNodes(3)
        // dnode2's host key is not in known_hosts; dnode3's sshd is down (and waited for).
        let knownHosts = String(decoding: try AtomicFile.read(directory.file("known_hosts")) ?? [], as: UTF8.self)
        try AtomicFile.write(Array(knownHosts.split(separator: "\n").filter { !$0.hasPrefix("[\(address(2))]") }.joined(separator: "\n").utf8 + [0x0A]),
                             to: directory.file("known_hosts"))
        await nodes[2].stopAndWait()
        let reports = try await Deploy.run(try cluster(3), settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        try #require(reports.count == 3, "\(reports)")
        #expect(reports[0].outcome == "changed", "\(reports[0])")
        #expect(reports[1].outcome == "failed" && reports[1].error?.contains("Host key verification failed") == true, "\(reports[1])")
        #expect(reports[2].outcome == "failed" && reports[2].error?.contains("Connection refused") == true, "\(reports[2])")
        await stopNodes()
    }

    @Test func undeployRemovesTheAgentAndRevokedCertificatesAreRefused() async throws {
        try await startNodes(3)
        let cluster = try cluster(3)
        let deployed = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(deployed.map(\.outcome) == ["changed", "changed", "changed"], "\(deployed)")
        // What a thief would keep from the retired node, and a second coordinator to retire too.
        let stolen = try TemporaryDirectory("meridian-stolen")
        for file in ["agent.pem", "agent.key", "ca.pem"] {
            try AtomicFile.write(try AtomicFile.read(nodes[2].root + "/etc/meridian/" + file) ?? [], to: stolen.file(file), mode: 0o600)
        }
        let second = try PKI.issueCoordinator(name: "coordinator2", in: certificates.path, force: false)
        let secondContext = try TLSContext(TLSConfiguration(caPath: certificates.caCertificate, certificatePath: second.certificate,
                                                            keyPath: second.key, role: .coordinator))
        let firstNode = cluster.nodes[0]
        let accepted = try await DedicatedThread.run(name: "ping") {
            Deploy.ping(firstNode, context: secondContext, version: MeridianVersion.current, port: 7480, wait: .zero)
        }
        #expect(accepted == nil, "the second coordinator is accepted before it is revoked")
        try PKI.revoke(serialHex: try PKI.serial(ofCertificatePEM: try readText(second.certificate)), in: certificates.path)

        let result = try await Undeploy.run(cluster, nodes: ["dnode3"], settings: settings(), certificates: certificates) { _ in }
        #expect(result.removed.map(\.outcome) == ["removed"] && result.removed.first?.revokedSerial != nil, "\(result.removed)")
        #expect(result.redeployed.map(\.outcome) == ["changed", "changed"], "revocation list brought to the others: \(result.redeployed)")
        #expect(!AtomicFile.exists(nodes[2].root + "/etc/meridian/agent.key"))
        #expect(try PKI.revokedSerials(in: certificates.path).count == 2)

        // The retired coordinator certificate is refused by the remaining agents…
        let refused = try await DedicatedThread.run(name: "ping") {
            Deploy.ping(firstNode, context: secondContext, version: MeridianVersion.current, port: 7480, wait: .zero)
        }
        let refusal = refused ?? "accepted"
        #expect(refusal.contains("certificate revoked"), "\(refusal)")
        // …and an impostor agent with the retired node's key is refused by the coordinator.
        try stolen.write("agent.json", #"{"node": "dnode3", "listen": "\#(address(3)):7480", "ca": "\#(stolen.file("ca.pem"))", "cert": "\#(stolen.file("agent.pem"))", "key": "\#(stolen.file("agent.key"))"}"#)
        let impostor = try await AgentProcess.launch(configPath: stolen.file("agent.json"), logPath: stolen.file("agent.log"))
        let reports = try await Ping.run(targets: [address(3)], certificates: certificates)
        let impostorError = reports.first?.error ?? ""
        #expect(reports.map(\.ok) == [false], "\(reports)")
        #expect(impostorError.contains("certificate revoked"), "\(impostorError)")
        await impostor.stopAndWait()
        let healthy = try await Ping.run(targets: [address(1), address(2)], certificates: certificates)
        #expect(healthy.map(\.ok) == [true, true], "\(healthy)")
        await stopNodes()
    }
}
