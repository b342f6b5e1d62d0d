import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import SecureTransport

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every node's time sync and the cluster's verdict (exit 0 ok, 1 warning, 2 critical, 3 unknown).")

    @OptionGroup var options: ClusterOptions
    @Flag(help: "Print JSON (shape in protocol/status.schema.json).") var json = false

    func run() async throws {
        let (cluster, context, _) = try options.load()
        let report = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        print(json ? report.json.prettyText : StatusTable.render(report))
        if report.severity != .ok { throw ExitCode(Int32(report.severity.rawValue)) }
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what `meridian apply` would change on each node. Changes nothing.")

    @OptionGroup var options: ClusterOptions
    @Flag(help: "Print JSON: per node name, role, reachable, chrony_diff, timezone_change, actions, error.") var json = false

    func run() async throws {
        let (cluster, context, _) = try options.load()
        let survey = await Survey.run(cluster, context: context)
        let entries = Plan.build(cluster, from: survey)
        print(json ? JSONText.encode(entries) : Plan.render(entries))
        if survey.contains(where: { !$0.reachable }) { throw ExitStatus.critical }
    }
}

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Bring every node to the cluster file: time servers first, then all clients; then verify.")

    @OptionGroup var options: ClusterOptions
    @Option(parsing: .unconditional, help: "Nodes configured in parallel at most (1...256).") var concurrency = 16
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
