import HostSystem
import ClockSync
@testable import Coordinator
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// `meridian deploy` over real OpenSSH: one sshd per node on 127.0.0.2x (own port, host key,
/// key-only root login, own root directory). The remote commands that would be `dpkg -i` and
/// `systemctl enable --now` come from per-node settings that start the agent in the background;
/// everything else is the real path: ssh by argv, key and CSR made on the node, signed here.
@Suite(.serialized) final class DeployTests {
    let directory: TemporaryDirectory
    let certificates: CertificateDirectory
    var nodes: [SSHNode] = []

    init() throws {
        directory = try TemporaryDirectory("meridian-deploy")
        _ = try PKI.initAuthority(in: directory.file("certs"), clusterName: "deploy", force: false)
        certificates = CertificateDirectory(path: directory.file("certs"))
    }

    deinit { nodes.forEach { $0.stop() } }

    func cluster(_ count: Int) throws -> ClusterFile {
        var request = ClusterInit.Request()
        request.nodes = (1...count).map { "dnode\($0)=127.0.0.\(20 + $0)" }
        request.subnets = ["127.0.0.0/8"]
        request.timezone = "UTC"
        request.certificateDirectory = certificates.path
        return try ClusterInit.build(request)
    }

    func settings() -> DeploySettings {
        var settings = DeploySettings()
        settings.identity = directory.file("client_key")
        settings.knownHosts = directory.file("known_hosts")
        settings.agentBinary = AgentProcess.buildDirectory + "/meridian-agent"
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/CoordinatorTests/DeployTests.swift
        settings.unitFile = parts.joined(separator: "/") + "/packaging/meridian-agent.service"
        for node in nodes {
            let root = node.root
            let start = "MERIDIAN_AGENT_CONFIG=\(root)/etc/meridian/agent.json setsid \(root)/usr/bin/meridian-agent > \(root)/agent.log 2>&1 < /dev/null & echo $! > \(root)/agent.pid"
            settings.nodes[node.name] = DeploySettings.Node(
                user: "root", port: node.port, root: root, install: nil,
                start: ["sh", "-c", start],
                restart: ["sh", "-c", "kill $(cat \(root)/agent.pid) 2>/dev/null; sleep 0.5; " + start],
                stop: ["sh", "-c", "kill $(cat \(root)/agent.pid) 2>/dev/null; sleep 0.5"])
        }
        return settings
    }

    func startNodes(_ count: Int) throws {
        for index in 1...count {
            nodes.append(try SSHNode(name: "dnode\(index)", address: "127.0.0.\(20 + index)", port: 2220 + index, directory: directory.path))
        }
    }

    @Test func deployReachesEveryAgentAndASecondRunChangesNothing() async throws {
        try startNodes(3)
        let cluster = try cluster(3)
        let dry = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: { var o = Deploy.Options(); o.dryRun = true; return o }()) { _ in }
        #expect(dry.allSatisfy { $0.outcome == "planned" }, "\(dry)")
        #expect(!AtomicFile.exists(nodes[0].root + "/usr/bin/meridian-agent"), "a dry run installs nothing")

        let first = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(first.map(\.outcome) == ["changed", "changed", "changed"], "\(first)")
        #expect(try FileCheck.permissions(nodes[0].root + "/etc/meridian/agent.key") == 0o600)
        #expect(try readText(nodes[0].root + "/lib/systemd/system/meridian-agent.service").contains("Type=notify"), "the unit comes along without a package")
        let pings = try await Ping.run(targets: (1...3).map { "127.0.0.\(20 + $0)" }, certificates: certificates)
        #expect(pings.map(\.node) == ["dnode1", "dnode2", "dnode3"] && pings.allSatisfy(\.ok), "\(pings)")

        let second = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(second.map(\.outcome) == ["unchanged", "unchanged", "unchanged"], "\(second)")

        let renewed = try await Deploy.run(cluster, settings: settings(), certificates: certificates,
                                           options: { var o = Deploy.Options(); o.renew = true; o.nodes = ["dnode2"]; return o }()) { _ in }
        #expect(renewed.first?.actions.contains("issue a new agent certificate") == true, "\(renewed)")
    }

    @Test func unknownHostKeyAndStoppedSSHDAreNamedAndTheOthersDeploy() async throws {
        try startNodes(3)
        // dnode2's host key is not in known_hosts; dnode3's sshd is down.
        let knownHosts = String(decoding: try AtomicFile.read(directory.file("known_hosts")) ?? [], as: UTF8.self)
        try AtomicFile.write(Array(knownHosts.split(separator: "\n").filter { !$0.hasPrefix("[127.0.0.22]") }.joined(separator: "\n").utf8 + [0x0A]),
                             to: directory.file("known_hosts"))
        nodes[2].stop()
        let reports = try await Deploy.run(try cluster(3), settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(reports[0].outcome == "changed", "\(reports[0])")
        #expect(reports[1].outcome == "failed" && reports[1].error?.contains("Host key verification failed") == true, "\(reports[1])")
        #expect(reports[2].outcome == "failed" && reports[2].error?.contains("Connection refused") == true, "\(reports[2])")
    }

    @Test func undeployRemovesTheAgentAndRevokedCertificatesAreRefused() async throws {
        try startNodes(3)
        let cluster = try cluster(3)
        let deployed = try await Deploy.run(cluster, settings: settings(), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(deployed.allSatisfy { $0.outcome == "changed" }, "\(deployed)")
        // What a thief would keep from the retired node, and a second coordinator to retire too.
        let stolen = try TemporaryDirectory("meridian-stolen")
        for file in ["agent.pem", "agent.key", "ca.pem"] {
            try AtomicFile.write(try AtomicFile.read(nodes[2].root + "/etc/meridian/" + file) ?? [], to: stolen.file(file), mode: 0o600)
        }
        let second = try PKI.issueCoordinator(name: "coordinator2", in: certificates.path, force: false)
        let secondContext = try TLSContext(TLSConfiguration(caPath: certificates.caCertificate, certificatePath: second.certificate,
                                                            keyPath: second.key, role: .coordinator))
        #expect(Deploy.ping(cluster.nodes[0], context: secondContext, version: MeridianVersion.current, port: 7480, wait: .zero) == nil)
        try PKI.revoke(serialHex: try PKI.serial(ofCertificatePEM: try readText(second.certificate)), in: certificates.path)

        let result = try await Undeploy.run(cluster, nodes: ["dnode3"], settings: settings(), certificates: certificates) { _ in }
        #expect(result.removed.map(\.outcome) == ["removed"] && result.removed[0].revokedSerial != nil, "\(result.removed)")
        #expect(result.redeployed.map(\.outcome) == ["changed", "changed"], "revocation list brought to the others: \(result.redeployed)")
        #expect(!AtomicFile.exists(nodes[2].root + "/etc/meridian/agent.key"))
        #expect(try PKI.revokedSerials(in: certificates.path).count == 2)

        // The retired coordinator certificate is refused by the remaining agents…
        let refused = Deploy.ping(cluster.nodes[0], context: secondContext, version: MeridianVersion.current, port: 7480, wait: .zero)
        let refusal = refused ?? "accepted"
        #expect(refusal.contains("certificate revoked"), "\(refusal)")
        // …and an impostor agent with the retired node's key is refused by the coordinator.
        try stolen.write("agent.json", #"{"node": "dnode3", "listen": "127.0.0.23:7480", "ca": "\#(stolen.file("ca.pem"))", "cert": "\#(stolen.file("agent.pem"))", "key": "\#(stolen.file("agent.key"))"}"#)
        let impostor = try AgentProcess(configPath: stolen.file("agent.json"), logPath: stolen.file("agent.log"))
        defer { impostor.stop() }
        let reports = try await Ping.run(targets: ["127.0.0.23"], certificates: certificates)
        let impostorError = reports.first?.error ?? ""
        #expect(reports.first?.ok == false, "\(reports)")
        #expect(impostorError.contains("certificate revoked"), "\(impostorError)")
        let healthy = try await Ping.run(targets: ["127.0.0.21", "127.0.0.22"], certificates: certificates)
        #expect(healthy.allSatisfy { $0.ok }, "\(healthy)")
    }
}
