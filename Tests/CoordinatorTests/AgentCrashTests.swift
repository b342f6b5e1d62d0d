import HostSystem
import ClockSync
@testable import Coordinator
import SecureTransport
import Testing
import TestSupport

/// Issue 14, faults with nothing lost: the agent's disk fills up, or the agent dies by SIGKILL,
/// in the middle of `chrony.apply`. Driven through `Apply.run` on the loopback lab (the stable
/// interface while `chrony.apply`'s params change), in the lab suite: labs share addresses.
extension LabIntegrationTests {
    @Test(.enabled(if: Privileges.isRoot, "needs root to mount a tmpfs (CI runs as root)"))
    func diskFullWhileWritingChronyConfKeepsTheOldFileAndNamesTheFileAndENOSPC() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let conf = layout.chronyConf("node2")
        let old = try readText(conf)
        // node2's /etc/chrony on a 64 KiB tmpfs holding what it held, then filled to the last byte.
        let folder = AtomicFile.parentDirectory(of: conf)
        let disk = try TmpfsMount(at: folder, sizeKiB: 64)
        defer { disk.unmount() }
        for sub in ["sources.d", "conf.d"] { try AtomicFile.makeDirectories(folder + "/" + sub, mode: 0o755) }
        try AtomicFile.write(Array(old.utf8), to: conf)
        try disk.fill()
        let chronyd = LabProcesses.chronydPID(layout, node: "node2")

        let full = await Apply.run(cluster, context: context, options: options()) { _ in }
        let failure = try #require(full.failed.first, "apply on a full disk reported no failure")
        #expect(full.failed.map(\.node) == ["node2"] && failure.step == .chrony, "\(full.failed)")
        // With ntp_auth keys (the lab's default) the keyfile is written first, so it is the file named.
        #expect(failure.detail.contains(conf) || failure.detail.contains(folder + "/chrony.keys"), "the error names the file: \(failure.detail)")
        #expect(failure.detail.contains("No space left on device") || failure.detail.contains("ENOSPC"), "the error names ENOSPC: \(failure.detail)")
        #expect(try readText(conf) == old, "the old chrony.conf is intact")
        #expect(!AtomicFile.list(folder).contains { $0.contains("meridian-tmp") }, "no temporary file left on the full disk")
        #expect(LabProcesses.chronydPID(layout, node: "node2") == chronyd, "chronyd was not restarted on a config that was never written")
        #expect(full.steps.contains { $0.node == "node1" && $0.step == .chrony && $0.outcome == .changed }, "the other node carried on")

        disk.free()
        let again = await Apply.run(cluster, context: context, options: options()) { _ in }
        #expect(again.failed.isEmpty, "\(again.failed)")
        #expect(again.steps.contains { $0.node == "node2" && $0.step == .chrony && $0.outcome == .changed })
        #expect(try readText(conf) != old)
        #expect(again.status.severity == .ok, "\(StatusTable.render(again.status))")
    }

    @Test func agentKilledAtEveryStepOfChronyApplyLeavesTheOldOrTheNewFileAndARerunCompletes() async throws {
        let (cluster, context) = try await up(nodes: 2)
        let layout = layout
        let conf = layout.chronyConf("node2")
        let backups = layout.root("node2") + "/var/lib/meridian/backups"
        let old = try readText(conf)
        let first = await Apply.run(cluster, context: context, options: options()) { _ in }
        try #require(first.failed.isEmpty, "\(first.failed)")
        let new = try readText(conf)
        try #require(new != old)

        var reached: [String] = []
        for point in [FaultPoint.backupWritten, .temporaryFileCreated, .configReplaced, .chronydRestarted, .waitingForSync] {
            // Back to the old file, and chronyd running it, as before the first apply: a kill
            // between writing and restarting must then still end with chronyd on the new file.
            try AtomicFile.write(Array(old.utf8), to: conf)
            try await DedicatedThread.run(name: "reset-chronyd") {
                try LabProcesses.restartChronyd(layout, node: "node2", timestampShim: LabLayout.timestampShim(besideExecutable: AgentProcess.meridianBinary))
            }
            let agent = try #require(LabState.load(layout)?.agents["node2"])
            let base = FaultPoint.Baseline(layout: layout, node: "node2", oldConfig: old,
                                           chronyd: LabProcesses.chronydPID(layout, node: "node2"), backups: Set(AtomicFile.list(backups)))
            let done = DoneFlag()
            async let killed = DedicatedThread.run(name: "fault-agent") { FaultPoint.kill(at: point, base, pid: { agent }, done: done) }
            let interrupted = await Apply.run(cluster, context: context, options: options()) { _ in }
            done.set()
            if try await killed {
                reached.append("\(point)")
                #expect(interrupted.failed.map(\.node) == ["node2"], "\(point): \(interrupted.failed)")
            }
            let text = try? readText(conf)
            // The state the kill left: the new file written, but no new chronyd started on it.
            let restarted = LabProcesses.chronydPID(layout, node: "node2").map { $0 != base.chronyd } ?? false
            let restartOwed = text == new && !restarted
            #expect(text == old || text == new, "\(point): chrony.conf is torn or missing: \(text ?? "missing")")
            let leftovers = AtomicFile.list(AtomicFile.parentDirectory(of: conf)).filter { $0.contains(".meridian-tmp-") }
            print("agent killed \(point): chrony.conf is the \(text == old ? "old" : text == new ? "new" : "TORN") file; \(leftovers.count) temporary file(s) left")

            try await DedicatedThread.run(name: "restart-agent") { try Lab.restartAgent(layout, node: "node2", agentBinary: AgentProcess.agentBinary) }
            // The killed agent's libfaketime shared memory goes with it (it was left in /dev/shm
            // by every point: libfaketime removes it only at a normal exit).
            #expect(!AtomicFile.exists("/dev/shm/faketime_shm_\(agent)") && !AtomicFile.exists("/dev/shm/sem.faketime_sem_\(agent)"),
                    "\(point): the killed agent \(agent) left its libfaketime files in /dev/shm")
            let rerun = await Apply.run(cluster, context: context, options: options()) { _ in }
            #expect(rerun.failed.isEmpty, "\(point): re-run: \(rerun.failed)")
            #expect(try readText(conf) == new, "\(point): the re-run wrote the new file")
            let follows = rerun.status.nodes.first { $0.name == "node2" }?.parsed.sources?.selected?.address == "127.0.0.2"
            // Killed after the rename and before the restart (restartOwed), the re-run finds
            // chrony.conf already new: the agent's restart-pending marker makes it restart
            // chronyd anyway, so every point ends with chronyd following the time server.
            if restartOwed {
                #expect(rerun.steps.contains { $0.node == "node2" && $0.step == .chrony && $0.outcome == .changed },
                        "\(point): the re-run restarted the chronyd it owed: \(rerun.steps.filter { $0.node == "node2" })")
            }
            #expect(follows, "\(point): node2's chronyd follows the time server after the re-run")
            #expect(rerun.status.severity == .ok, "\(point): \(StatusTable.render(rerun.status))")
            #expect(!AtomicFile.list(AtomicFile.parentDirectory(of: conf)).contains { $0.contains(".meridian-tmp-") },
                    "\(point): the re-run removed the temporary files the killed agent left")
        }
        print("agent killed: \(reached.joined(separator: "; "))")
        // Every point is seen: the lasting ones by polling, the fleeting ones by inotify.
        for point in [FaultPoint.backupWritten, .temporaryFileCreated, .configReplaced, .chronydRestarted, .waitingForSync] {
            #expect(reached.contains("\(point)"), "the agent was never killed \(point); reached: \(reached)")
        }
    }
}
