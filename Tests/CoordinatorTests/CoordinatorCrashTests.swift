import HostSystem
import ClockSync
@testable import Coordinator
import JSONCore
import SecureTransport
import Testing
import TestSupport

/// Issue 14: `meridian apply` (a child process) killed by SIGKILL mid-run. The journal shows where
/// it stopped, every chrony.conf is either the old or the new file, and a re-run completes.
extension LabIntegrationTests {
    func journalEntries() -> [JSONValue] {
        ((try? readText(layout.journal)) ?? "").split(separator: "\n").compactMap { try? JSONValue(parsing: Array($0.utf8)) }
    }

    /// `meridian apply` as a child, waited for on a thread of its own.
    func meridianApply() async throws -> CommandResult {
        let clusterFile = layout.clusterFile
        return try await DedicatedThread.run(name: "meridian-apply") {
            try ChildProcess.run([AgentProcess.meridianBinary, "apply", "--cluster", clusterFile, "--settle", "45"], timeout: .seconds(300))
        }
    }

    @Test func coordinatorKilledMidApplyLeavesAJournalOfWhereItStoppedAndARerunCompletes() async throws {
        let (cluster, context) = try await up(nodes: 3)
        let layout = layout
        let names = cluster.nodes.map(\.name.description)
        let old = try names.map { try readText(layout.chronyConf($0)) }
        let warmUp = await Apply.run(cluster, context: context, options: options()) { _ in }
        try #require(warmUp.failed.isEmpty, "\(warmUp.failed)")
        let new = try names.map { try readText(layout.chronyConf($0)) }

        let points: [FaultPoint] = [.journalLine(node: "-", step: "apply"), .journalLine(node: "node1", step: "chrony"),
                                    .journalLine(node: "node2", step: "other time daemons")]
        for point in points {
            for (index, name) in names.enumerated() { try AtomicFile.write(Array(old[index].utf8), to: layout.chronyConf(name)) }
            AtomicFile.remove(layout.journal)
            let pid = try ChildProcess.spawnDetached([AgentProcess.meridianBinary, "apply", "--cluster", layout.clusterFile],
                                                     logPath: directory.file("apply-\(AtomicFile.list(directory.path).count).log"))
            let base = FaultPoint.Baseline(layout: layout, node: "node1", oldConfig: "", chronyd: nil, backups: [])
            let done = DoneFlag()
            let killed = try await DedicatedThread.run(name: "fault-coordinator") { () -> Bool in
                let fired = FaultPoint.kill(at: point, base, pid: { pid }, done: done)
                if !fired { ChildProcess.signal(pid, 9) }
                ProcessWait.untilGone(pid, timeout: .seconds(30))
                return fired
            }
            #expect(killed, "the coordinator reached \(point)")

            // The journal says where it stopped: it started, got at least to the kill point, and
            // never finished.
            let entries = journalEntries()
            #expect(entries.first?["step"] == .string("apply") && entries.first?["outcome"] == .string("started"), "\(point): \(entries)")
            #expect(point.reached(base), "\(point): the journal holds the line the kill waited for")
            #expect(!entries.contains { $0["step"] == .string("apply") && $0["outcome"] != .string("started") },
                    "\(point): a killed apply must not look finished: \(entries)")
            for (index, name) in names.enumerated() {
                let text = try? readText(layout.chronyConf(name))
                #expect(text == old[index] || text == new[index], "\(point): \(name)'s chrony.conf is torn or missing")
            }

            let rerun = try await meridianApply()
            #expect(rerun.status == 0, "\(point): the re-run completes: \(rerun.stderr)")
            let last = journalEntries().last
            #expect(last?["step"] == .string("apply") && last?["outcome"] == .string("finished"), "\(point): \(String(describing: last))")
            for (index, name) in names.enumerated() { #expect(try readText(layout.chronyConf(name)) == new[index], "\(point): \(name)") }
        }
    }
}
