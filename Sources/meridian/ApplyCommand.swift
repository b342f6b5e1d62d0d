import HostSystem
import ArgumentParser
import Coordinator

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Bring every node to the cluster file: time servers first, then all clients; then verify.")

    @OptionGroup var options: ClusterOptions
    @Option(parsing: .unconditional, help: "Nodes configured in parallel at most (1...256).") var concurrency = 256
    @Option(parsing: .unconditional, help: "Seconds each node may take to serve or select a time server (1...3600).") var syncWait = 30.0
    @Option(parsing: .unconditional, help: "Seconds to wait for every verdict to settle after the changes (0...3600).") var settle = 30.0
    @Option(help: "Apply journal (default: apply-journal.jsonl beside the cluster file).") var journal: String?
    @Flag(help: "Print the final status as JSON.") var json = false
    @Flag(help: "Then restart corosync and pve-cluster one node at a time, waiting for quorum after each.") var restartClusterServices = false

    func validate() throws {
        try OptionRange.check(concurrency, "--concurrency", 1...256)
        try OptionRange.check(syncWait, "--sync-wait", 1...3600)
        try OptionRange.check(settle, "--settle", 0...3600)
    }

    func run() async throws {
        let (cluster, context, path) = try options.load()
        let lock = try ApplyLockGate.take(beside: path, action: "apply")
        defer { lock.release() }
        var applyOptions = Apply.Options(journalPath: journal ?? AtomicFile.parentDirectory(of: path) + "/apply-journal.jsonl")
        applyOptions.concurrency = concurrency
        applyOptions.syncWaitSeconds = syncWait
        applyOptions.settleSeconds = settle
        applyOptions.restartClusterServices = restartClusterServices
        let report = await Apply.run(cluster, context: context, options: applyOptions) { line in
            note(line)
        }
        if !report.changedAnything && report.failed.isEmpty {
            note("nothing changed: every node already matched the cluster file")
        }
        for failure in report.failed {
            note("FAILED \(failure.node) at \(failure.step): \(failure.detail)")
        }
        print(json ? report.status.json.prettyText : StatusTable.render(report.status))
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

/// One apply at a time, whoever starts it: the CLI takes the same lock as `meridian serve`
/// (`apply.lock` beside the cluster file) and, when it is held, prints the words the API's -32010
/// answer carries and exits 75 (EX_TEMPFAIL: try again later).
enum ApplyLockGate {
    static let busyExit = ExitCode(75)

    static func take(beside clusterFile: String, action: String) throws -> ApplyLock {
        let path = ApplyLock.path(besideClusterFile: clusterFile)
        let attempt: ApplyLock.Attempt
        do { attempt = try ApplyLock.acquire(at: path, holder: .commandLine(action: action)) } catch {
            throw fail("\(error)", code: ExitStatus.unknown)
        }
        switch attempt {
        case .acquired(let lock): return lock
        case .busy(let holder): throw fail(ApplyLock.busyMessage(holder), code: busyExit)
        }
    }
}
