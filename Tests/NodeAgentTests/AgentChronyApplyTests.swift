import ClockSync
import Foundation
import HostSystem
import JSONCore
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// What `chrony.apply` leaves on disk: backups that rotate, and the previous file back after a
/// failure, with the evidence; plus what `node.facts` may list and the version handshake.
@Suite(.offPool) struct AgentChronyApplyTests {
    func writeCurrent(_ node: FakeNode, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: AtomicFile.parentDirectory(of: node.chronyConf), withIntermediateDirectories: true)
        try text.write(toFile: node.chronyConf, atomically: true, encoding: .utf8)
    }

    func failure(_ node: FakeNode, _ params: ChronyApplyParams) throws -> (RPCError, ActionFailure) {
        let error = try #require(try node.error(.applyChrony, params), "the apply was reported a success")
        #expect(error.code == RPCError.actionFailed, "\(error)")
        return (error, try RPCCodec.decode(ActionFailure.self, from: error.data))
    }

    /// The pre-Meridian file is kept once (never overwritten), and the last five earlier
    /// versions with a timestamp, oldest dropped.
    @Test func backupsKeepTheOriginalOnceAndTheLastFive() throws {
        let node = try FakeNode()
        try node.serveLocally()
        try writeCurrent(node, "# the node's own file\n")
        var rendered: [String] = []
        var lastBackup: String?
        for index in 1...7 {
            let intent = try node.serverIntent(allow: "10.0.\(index).0/24")
            let result = try node.call(.applyChrony, ChronyApplyParams(intent: intent, waitSeconds: 5), as: ChronyApplyResult.self)
            #expect(result.changed)
            lastBackup = result.backup
            rendered.append(ChronyConf.render(intent, local: node.localSettings))
        }
        #expect(try readText(node.backups + "/" + ChronyBackups.originalName) == "# the node's own file\n")
        let timestamped = AtomicFile.list(node.backups).filter { $0 != ChronyBackups.originalName }
        #expect(timestamped.count == ChronyBackups.kept, "\(timestamped)")
        // Seven writes backed up the original and renderings 1…6; the five newest remain.
        let kept = try timestamped.map { try readText(node.backups + "/" + $0) }
        #expect(kept == Array(rendered[1...5]), "oldest dropped, order kept")
        #expect(lastBackup == timestamped.last.map { node.backups + "/" + $0 })
        #expect(try readText(node.chronyConf) == rendered[6])

        let again = try node.call(.applyChrony, ChronyApplyParams(intent: try node.serverIntent(allow: "10.0.7.0/24"), waitSeconds: 5),
                                  as: ChronyApplyResult.self)
        #expect(!again.changed && again.backup == nil, "same intent: nothing written, nothing restarted")
        #expect(node.ran("restart_chrony").count == 7)
        #expect(AtomicFile.list(node.backups).count == ChronyBackups.kept + 1)
    }

    @Test func clientWaitsUntilItSelectedOneOfItsServers() throws {
        let node = try FakeNode()
        try node.set(outFixture: "chronyc-tracking", "chrony/client-synced/tracking.csv")
        try node.set(outFixture: "chronyc-sources", "chrony/client-synced/sources.csv")
        let result = try node.call(.applyChrony, ChronyApplyParams(intent: try node.clientIntent(server: "127.0.0.2"), waitSeconds: 5),
                                   as: ChronyApplyResult.self)
        #expect(result.changed && result.selected == "127.0.0.2" && result.backup == nil)
    }

    /// An agent killed between writing chrony.conf and restarting chrony left the new file and
    /// its restart-pending marker: the next apply with the same intent restarts chrony (and says
    /// it changed something) instead of answering "unchanged"; after that, nothing is owed.
    @Test func aRestartOwedByAnInterruptedApplyIsMadeByTheNextOne() throws {
        let node = try FakeNode()
        try node.set(outFixture: "chronyc-tracking", "chrony/client-synced/tracking.csv")
        try node.set(outFixture: "chronyc-sources", "chrony/client-synced/sources.csv")
        let params = ChronyApplyParams(intent: try node.clientIntent(server: "127.0.0.2"), waitSeconds: 5)
        let first = try node.call(.applyChrony, params, as: ChronyApplyResult.self)
        #expect(first.changed && node.ran("restart_chrony").count == 1)
        let unchanged = try node.call(.applyChrony, params, as: ChronyApplyResult.self)
        #expect(!unchanged.changed && node.ran("restart_chrony").count == 1, "control: a matching file owes nothing")

        // The state a kill after the rename leaves: new file, marker present, a stale temporary.
        let marker = node.backups + "/" + ChronyBackups.restartPendingName
        try AtomicFile.write(Array("pending\n".utf8), to: marker)
        let stale = node.chronyConf + ".meridian-tmp-999999-1"
        try AtomicFile.write(Array("half a fi".utf8), to: stale)
        let owed = try node.call(.applyChrony, params, as: ChronyApplyResult.self)
        #expect(owed.changed && owed.selected == "127.0.0.2", "\(owed)")
        #expect(node.ran("restart_chrony").count == 2, "the owed restart was made")
        #expect(!AtomicFile.exists(marker) && !AtomicFile.exists(stale), "marker and stale temporary removed")
        let after = try node.call(.applyChrony, params, as: ChronyApplyResult.self)
        #expect(!after.changed && node.ran("restart_chrony").count == 2)
    }

    /// chrony restarts but selects nothing in time: the old file is back, chrony restarted on
    /// it, and the last chronyc look is the evidence.
    @Test func selectTimeoutRollsBackWithEvidence() throws {
        let node = try FakeNode()
        try writeCurrent(node, "# before\n")
        try node.set(outFixture: "chronyc-tracking", "chrony/client-unsynced/tracking.csv")
        try node.set(outFixture: "chronyc-sources", "chrony/client-unsynced/sources.csv")
        let (error, failure) = try failure(node, ChronyApplyParams(intent: try node.clientIntent(server: "127.0.0.2"), waitSeconds: 1))
        #expect(failure.stage == "wait for chrony to select a time server" && failure.rolledBack, "\(failure)")
        #expect(error.message.contains("previous chrony.conf restored"))
        #expect(failure.evidence.contains { $0.command.last == "sources" && $0.stdout.contains("127.0.0.2") }, "\(failure.evidence)")
        #expect(try readText(node.chronyConf) == "# before\n")
        #expect(node.ran("restart_chrony").count == 2, "restarted on the new file, then on the old one")
    }

    /// A restart that fails is rolled back too; when the restart on the old file fails as
    /// well, the answer says the rollback failed rather than claiming success.
    @Test func failedRestartPutsTheOldFileBackAndSaysTheRollbackFailed() throws {
        let node = try FakeNode()
        try writeCurrent(node, "# before\n")
        try node.set(rc: "restart_chrony", 1)
        try node.set(out: "restart_chrony", "chronyd exited\n")
        let (error, failure) = try failure(node, ChronyApplyParams(intent: try node.serverIntent(), waitSeconds: 5))
        #expect(failure.stage == "restart chrony" && !failure.rolledBack, "\(failure)")
        #expect(error.message.contains("rollback FAILED"))
        #expect(failure.evidence.filter { $0.command.last == "restart_chrony" && !$0.succeeded }.count == 2)
        #expect(try readText(node.chronyConf) == "# before\n", "the old file is back even so")
    }

    /// `node.facts` lists the files chronyd would read from source directories inside the
    /// agent's root only; directories outside it are named, never listed.
    @Test func factsListSourceFilesOnlyInsideTheRoot() throws {
        let node = try FakeNode()
        let sources = node.root + "/etc/chrony/sources.d", conf = node.root + "/etc/chrony/conf.d"
        for directory in [sources, conf] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        for file in [sources + "/dhcp.sources", sources + "/notes.txt", conf + "/extra.conf"] { try "server 10.9.9.9\n".write(toFile: file, atomically: true, encoding: .utf8) }
        try writeCurrent(node, """
            sourcedir \(sources)
            confdir \(conf)
            sourcedir /etc
            confdir /root
            sourcedir \(node.root)/../../etc

            """)
        let facts = try node.call(.facts, NoParams(), as: FactsResult.self)
        #expect(facts.foreignSourceFiles == [conf + "/extra.conf", sources + "/dhcp.sources"])
        #expect(facts.sourceDirectoriesOutsideRoot == ["/etc", "/root", node.root + "/../../etc"])
        #expect(!facts.foreignSourceFiles.contains { $0.hasPrefix("/etc/") || $0.hasPrefix("/root/") })
    }

    /// An old coordinator (protocol 1) is told which versions each side speaks.
    @Test func oldCoordinatorIsToldBothProtocolVersions() throws {
        let node = try FakeNode()
        let framed = FramedConnection(try TLSConnection.connect(to: node.server.localEndpoint, context: TLSContext(node.pki.coordinatorTLS()),
                                                                expectedNode: "pve1", timeout: .seconds(5)), maxPayload: 1 << 20)
        defer { framed.close() }
        let answer = try node.call(framed, .hello, HelloParams(coordinatorVersion: "0.0.9", protocolVersions: [1]))
        guard case .failure(let error) = answer else {
            Issue.record("protocol 1 accepted")
            return
        }
        #expect(error.code == RPCError.unsupportedVersion)
        #expect(error.message.contains("coordinator 0.0.9 speaks protocol 1") && error.message.contains("agent \(MeridianVersion.current) speaks protocol 2"),
                "\(error.message)")
    }
}
