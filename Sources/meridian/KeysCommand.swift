import HostSystem
import ArgumentParser
import Coordinator

/// `meridian keys rotate`: new NTP keys for the whole cluster, without a moment unsynced.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the cluster's NTP authentication keys (ntp_auth: keys).",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace every NTP key: time servers take the new keys beside the old, each client switches, then the old keys go.",
            discussion: "Key material is never printed; progress names key ids only. An interrupted rotation resumes with the same new keys.")

        @OptionGroup var options: ClusterOptions
        @Option(parsing: .unconditional, help: "Nodes configured in parallel at most (1...256).") var concurrency = 256
        @Option(parsing: .unconditional, help: "Seconds each node may take to serve or select a time server (1...3600).") var syncWait = 30.0
        @Option(parsing: .unconditional, help: "Seconds to wait for every verdict to settle afterwards (0...3600).") var settle = 30.0
        @Option(help: "Apply journal (default: apply-journal.jsonl beside the cluster file).") var journal: String?
        @Flag(help: "Print the final status as JSON.") var json = false

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
            let report: KeyRotation.Report
            do {
                report = try await KeyRotation.run(cluster, context: context, options: applyOptions) { line in note(line) }
            } catch {
                throw fail("\(error)", code: ExitCode(2))
            }
            for failure in report.failed { note("FAILED \(failure.node): \(failure.detail)") }
            if let status = report.status { print(json ? status.json.prettyText : StatusTable.render(status)) }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}
