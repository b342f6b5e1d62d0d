import HostSystem
import ClockSync
@testable import Coordinator
import JSONCore
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// Package mode, and the CLI's `--json` of deploy and undeploy, on the same sshd nodes (the
/// suite's traits apply: root only, serialized).
extension DeployTests {
    /// A .deb laid out like scripts/package.sh's (the agent, the unit, a doc file only the
    /// package carries), but holding the debug agent built for this test run: the release
    /// static build that package.sh makes takes many minutes on this machine.
    static func buildPackage(in directory: TemporaryDirectory) throws -> String {
        let tree = directory.file("pkgroot")
        for folder in ["/DEBIAN", "/usr/bin", "/lib/systemd/system", "/usr/share/doc/meridian"] {
            try AtomicFile.makeDirectories(tree + folder, mode: 0o755)
        }
        try AtomicFile.write(try AtomicFile.read(AgentProcess.agentBinary, limit: 512 << 20) ?? [], to: tree + "/usr/bin/meridian-agent", mode: 0o755)
        try AtomicFile.write(Array(try readText(Self.sourceRoot + "/packaging/meridian-agent.service").utf8),
                             to: tree + "/lib/systemd/system/meridian-agent.service", mode: 0o644)
        try AtomicFile.write(Array("installed from the package\n".utf8), to: tree + "/usr/share/doc/meridian/from-package", mode: 0o644)
        let control = """
            Package: meridian
            Version: \(MeridianVersion.current)
            Architecture: amd64
            Maintainer: Meridian tests <tests@meridian.invalid>
            Description: Meridian agent (test build)

            """
        try AtomicFile.write(Array(control.utf8), to: tree + "/DEBIAN/control", mode: 0o644)
        let deb = directory.file("meridian_\(MeridianVersion.current)_amd64.deb")
        let built = try ChildProcess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", tree, deb], timeout: .seconds(300))
        try #require(built.succeeded, "dpkg-deb: \(built.stderr)")
        return deb
    }

    @Test func packageModeInstallsTheDebAndASecondRunChangesNothing() async throws {
        try await startNodes(2)
        let cluster = try cluster(2)
        let folder = directory
        let deb = try await DedicatedThread.run(name: "build-deb") { try Self.buildPackage(in: folder) }
        let first = try await Deploy.run(cluster, settings: settings(package: deb), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(first.map(\.outcome) == ["changed", "changed"], "\(first)")
        for (node, report) in zip(nodes, first) {
            #expect(report.actions.first == "install the agent \(MeridianVersion.current)", "\(report.actions)")
            #expect(!report.actions.contains("install the systemd unit"), "the package brings the unit: \(report.actions)")
            #expect(AtomicFile.exists(node.root + "/tmp/meridian_\(MeridianVersion.current)_amd64.deb"), "the .deb was copied to \(node.name)")
            #expect(AtomicFile.exists(node.root + "/usr/share/doc/meridian/from-package"), "\(node.name) got the package's own files")
            #expect(try readText(node.root + "/lib/systemd/system/meridian-agent.service").contains("Type=notify"))
        }
        let pings = try await Ping.run(targets: [address(1), address(2)], certificates: certificates)
        #expect(pings.map(\.ok) == [true, true], "\(pings)")
        let second = try await Deploy.run(cluster, settings: settings(package: deb), certificates: certificates, options: Deploy.Options()) { _ in }
        #expect(second.map(\.outcome) == ["unchanged", "unchanged"], "\(second)")
        await stopNodes()
    }

    /// The settings file `meridian deploy --settings` reads, for the same nodes as `settings()`.
    func settingsJSON() -> String {
        let settings = settings()
        func words(_ list: [String]?) -> JSONValue { .array((list ?? []).map(JSONValue.string)) }
        var nodes: [String: JSONValue] = [:]
        for (name, node) in settings.nodes {
            nodes[name] = .object(["user": .string("root"), "port": .integer(Int64(node.port ?? 22)), "root": .string(node.root ?? ""),
                                   "start": words(node.start), "restart": words(node.restart), "stop": words(node.stop)])
        }
        return JSONValue.object([
            "identity": .string(settings.identity ?? ""), "known_hosts": .string(settings.knownHosts),
            "agent_binary": .string(settings.agentBinary), "unit_file": .string(settings.unitFile), "nodes": .object(nodes),
        ]).prettyText
    }

    /// `meridian` as a child process, off the cooperative pool.
    func meridian(_ arguments: [String]) async throws -> CommandResult {
        try await DedicatedThread.run(name: "meridian-cli") {
            try ChildProcess.run([AgentProcess.meridianBinary] + arguments, timeout: .seconds(300))
        }
    }

    @Test func deployAndUndeployJSONFollowTheirSchemas() async throws {
        try await startNodes(3)
        await nodes[2].stopAndWait()  // one failure, so failed_step and error are in the output too
        try ClusterFileStore.save(try cluster(3), to: directory.file("cluster.json"), force: true)
        try directory.write("settings.json", settingsJSON())
        let common = ["--cluster", directory.file("cluster.json"), "--settings", directory.file("settings.json")]

        let deployed = try await meridian(["deploy", "--json"] + common)
        #expect(deployed.status == 2, "a failed node makes deploy critical: \(deployed.stderr)")
        let deployJSON = try JSONValue(parsing: deployed.standardOutput)
        let deploySchema = try SchemaCheck.load("deploy-report.schema.json")
        #expect(SchemaCheck.violations(of: deployJSON, against: deploySchema) == [], "\(deployed.stdout)")
        let entries = try #require(deployJSON.arrayValue)
        #expect(entries.map { $0["node"]?.stringValue } == ["dnode1", "dnode2", "dnode3"])
        #expect(entries.map { $0["outcome"]?.stringValue } == ["changed", "changed", "failed"])
        #expect(entries[2]["failed_step"]?.stringValue?.isEmpty == false && entries[2]["error"]?.stringValue?.contains("Connection refused") == true,
                "\(entries[2])")
        #expect(entries[0]["failed_step"] == nil && entries[0]["error"] == nil, "no error keys on success: \(entries[0])")

        let undeployed = try await meridian(["undeploy", "--json", "--node", "dnode2"] + common)
        let undeployJSON = try JSONValue(parsing: undeployed.standardOutput)
        #expect(SchemaCheck.violations(of: undeployJSON, against: try SchemaCheck.load("undeploy-report.schema.json")) == [], "\(undeployed.stdout)")
        let removed = try #require(undeployJSON.arrayValue)
        #expect(removed.map { $0["node"]?.stringValue } == ["dnode2"] && removed.first?["outcome"] == .string("removed"), "\(undeployed.stdout)")
        #expect(removed.first?["revoked_serial"]?.stringValue?.isEmpty == false)
        #expect(!AtomicFile.exists(nodes[1].root + "/etc/meridian/agent.key"))
        await stopNodes()
    }
}
