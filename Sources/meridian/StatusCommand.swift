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
