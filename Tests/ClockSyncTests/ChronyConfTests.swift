@testable import ClockSync
import Foundation
import Testing
import TestSupport

let threeServers = variant("[\"pve1\"]", "[\"pve1\", \"pve2\", \"pve3\"]")
    .replacingOccurrences(of: "\"nodes\": [", with: "\"nodes\": [\n    {\"name\": \"pve4\", \"address\": \"192.168.1.13\"},")

@Suite struct ChronyConfTests {
    static let cases: [(String, String, String)] = [
        ("single-master", "pve1", "single-master-server.conf"),
        ("single-master", "pve2", "single-master-client.conf"),
        ("three-servers", "pve2", "three-servers-server.conf"),
        ("three-servers", "pve4", "three-servers-client.conf"),
    ]

    static func clusterFile(_ name: String) throws -> ClusterFile {
        try cluster(name == "single-master" ? threeNodes : threeServers)
    }

    @Test(arguments: cases)
    func renderingMatchesGoldenFile(clusterName: String, node: String, golden: String) throws {
        let rendered = try ChronyConf.render(for: node, in: try Self.clusterFile(clusterName))
        let path = FixturePath.in("ClockSyncTests", "golden/\(golden)")
        if ProcessInfo.processInfo.environment["MERIDIAN_UPDATE_GOLDEN"] == "1" {
            try rendered.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(rendered == (try readText(path)), "regenerate with MERIDIAN_UPDATE_GOLDEN=1 if the change is intended")
    }

    @Test(arguments: cases)
    func renderingHasNoForeignSources(clusterName: String, node: String, golden: String) throws {
        let rendered = try ChronyConf.render(for: node, in: try Self.clusterFile(clusterName))
        #expect(ChronyConf.foreignSources(in: rendered).isEmpty)
        #expect(rendered.hasPrefix("# Managed by Meridian"))
        #expect(try ChronyConf.render(for: node, in: try Self.clusterFile(clusterName)) == rendered, "deterministic")
    }

    @Test func serversAllowAndClientsPreferTheFirstServer() throws {
        let three = try cluster(threeServers)
        let server = try ChronyConf.render(for: "pve2", in: three)
        #expect(server.contains("local stratum 10 orphan\n"))
        #expect(server.contains("allow 192.168.1.0/24\n"))
        #expect(server.contains("peer 192.168.1.10\n") && server.contains("peer 192.168.1.12\n"))
        #expect(!server.contains("peer 192.168.1.11"))
        let client = try ChronyConf.render(for: "pve4", in: three)
        #expect(client.contains("server 192.168.1.10 iburst prefer\nserver 192.168.1.11 iburst\nserver 192.168.1.12 iburst\n"))
        #expect(!client.contains("allow"))
        #expect(throws: ChronyConf.RenderError.unknownNode("pve9")) { try ChronyConf.render(for: "pve9", in: three) }
    }

    /// The header says where the agent really keeps the earlier files, from the same constants.
    @Test func headerNamesTheBackupsTheAgentKeeps() throws {
        let rendered = try ChronyConf.render(for: "pve2", in: try cluster(threeNodes))
        #expect(rendered.contains("Earlier versions are in \(ChronyBackups.directory):\n# \(ChronyBackups.originalName) "))
        #expect(rendered.contains("the last \(ChronyBackups.kept) with a timestamp"))
        #expect(!rendered.contains("meridian-backup"))
        let lab = ChronyLocalSettings.lab(root: "/tmp/lab/nodes/pve2", bindAddress: try #require(IPAddress("127.0.0.3")))
        #expect(try ChronyConf.render(for: "pve2", in: try cluster(threeNodes), local: lab).contains("Earlier versions are in /tmp/lab/nodes/pve2\(ChronyBackups.directory):"))
    }

    /// The cluster file's intent per role: servers peer the other servers and allow the
    /// subnets; clients follow every server, preferring the first; each is a valid intent.
    @Test func intentFromTheClusterFile() throws {
        let three = try cluster(threeServers)
        let server = try ChronyIntent(for: "pve2", in: three)
        #expect(server.role == .server && server.orphan && server.servers.isEmpty)
        #expect(server.peers.map(\.address.description) == ["192.168.1.10", "192.168.1.12"])
        #expect(server.allow.map(\.description) == ["192.168.1.0/24"])
        let client = try ChronyIntent(for: "pve4", in: three)
        #expect(client.role == .client && client.peers.isEmpty && client.allow.isEmpty)
        #expect(client.servers.map(\.prefer) == [true, false, false])
        try server.validate()
        try client.validate()
        #expect(throws: ChronyConf.RenderError.unknownNode("pve9")) { try ChronyIntent(for: "pve9", in: three) }
    }

    /// Values the types allow but the intent does not: each error names the wire field.
    @Test func intentOutOfPlaceIsRefusedNamingTheField() throws {
        let three = try cluster(threeServers)
        let address = try #require(IPAddress("192.168.1.50"))
        let server = try ChronyIntent(for: "pve2", in: three)
        let client = try ChronyIntent(for: "pve4", in: three)
        var cases: [(ChronyIntent, String)] = []
        var bad = client; bad.servers = []; cases.append((bad, "servers"))
        bad = client; bad.servers = [bad.servers[1], bad.servers[1]]; cases.append((bad, "servers[1].address"))
        bad = client; bad.servers = (1...4).compactMap { IPAddress("10.0.0.\($0)") }.map { .init(address: $0) }; cases.append((bad, "servers"))
        bad = client; bad.allow = server.allow; cases.append((bad, "allow"))
        bad = client; bad.orphan = true; cases.append((bad, "orphan"))
        bad = client; bad.manualTime = true; cases.append((bad, "manual_time"))
        bad = server; bad.servers = [.init(address: address)]; cases.append((bad, "servers"))
        bad = server; bad.allow = []; cases.append((bad, "allow"))
        bad = server; bad.peers += [.init(address: address)]; cases.append((bad, "peers"))
        bad = server; bad.cluster = "lab\nsourcedir /etc"; cases.append((bad, "cluster"))
        bad = server; bad.cluster = "lab#x"; cases.append((bad, "cluster"))
        for (intent, field) in cases {
            let error = #expect(throws: ChronyIntentError.self) { try intent.validate() }
            #expect(error?.field == field, "\(String(describing: error))")
        }
    }

    @Test func debianDefaultConfigHasForeignSources() {
        let debian = "pool 2.debian.pool.ntp.org iburst\nsourcedir /run/chrony-dhcp\nsourcedir /etc/chrony/sources.d\nconfdir /etc/chrony/conf.d\nkeyfile /etc/chrony/chrony.keys\n"
        #expect(ChronyConf.foreignSources(in: debian).count == 4)
        let directories = ChronyConf.sourceDirectories(in: debian + "sourcedir  /a /b\n# sourcedir /commented\n")
        #expect(directories.map { "\($0.directory) \($0.suffix)" } == [
            "/run/chrony-dhcp .sources", "/etc/chrony/sources.d .sources", "/etc/chrony/conf.d .conf", "/a .sources", "/b .sources"])
    }

    /// Real chronyd must accept every rendered file: `chronyd -p -f FILE` parses and prints the
    /// config, exiting 1 on an unknown directive. (It never starts serving, so it touches nothing.)
    @Test(arguments: cases)
    func chronydAcceptsTheRenderedFile(clusterName: String, node: String, golden: String) throws {
        try #require(ChronydParse.isInstalled, "Debian's chrony package is needed (scripts/install-deps.sh)")
        let directory = try TemporaryDirectory("meridian-chronyd-p")
        let labSettings = ChronyLocalSettings.lab(root: directory.path, bindAddress: try #require(IPAddress("127.0.0.1")))
        for local in [ChronyLocalSettings(), labSettings] {
            let lab = local.lab
            let (status, printed) = try ChronydParse.parse(try ChronyConf.render(for: node, in: try Self.clusterFile(clusterName), local: local), in: directory)
            #expect(status == 0, "chronyd -p refused \(golden) (lab: \(lab != nil)): \(printed)")
            #expect(printed.contains("makestep 1 3"))
        }
    }
}

@Suite struct ConfigDiffTests {
    /// `diff -u` is the oracle: our unified diff must match it line for line after the labels.
    static func numbered(_ prefix: String, _ count: Int, changing changed: Set<Int> = []) -> String {
        (1...count).map { changed.contains($0) ? "changed \($0)" : "\(prefix) \($0)" }.joined(separator: "\n") + "\n"
    }

    static let pairs: [(String, String)] = [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("pool 2.debian.pool.ntp.org iburst\nkeyfile /etc/chrony/chrony.keys\ndriftfile /var/lib/chrony/chrony.drift\nmakestep 1 3\nrtcsync\n",
         "server 192.168.1.10 iburst prefer\ndriftfile /var/lib/chrony/chrony.drift\nmakestep 1 3\n"),
        (numbered("line", 20), numbered("line", 20, changing: [3, 17])),
        (numbered("l", 12), numbered("l", 12, changing: [3, 10])),
        ("", "new\nfile\n"),
        ("old\n", ""),
    ]

    @Test(arguments: pairs)
    func matchesDiffU(old: String, new: String) throws {
        let directory = try TemporaryDirectory("meridian-diff")
        try directory.write("old", old)
        try directory.write("new", new)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        process.arguments = ["-u", directory.file("old"), directory.file("new")]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let ours = ConfigDiff.unified(old: old, new: new, oldLabel: "current", newLabel: "rendered")
        #expect(ours.split(separator: "\n").dropFirst(2) == expected.split(separator: "\n").dropFirst(2))
    }

    @Test func identicalFilesHaveNoDiff() {
        #expect(ConfigDiff.unified(old: "a\n", new: "a\n", oldLabel: "x", newLabel: "y") == "")
    }
}
