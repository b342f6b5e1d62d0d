import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import MeridianService

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Summarize the history `meridian serve` keeps: per node samples, worst and p95 |offset|, time out of tolerance, verdict changes.")

    @Option(help: "Only this node.") var node: String?
    @Option(help: "How far back: 90s, 30m, 24h, 7d.") var since = "24h"
    @Flag(help: "Print JSON (shape in protocol/schemas/history-summary.schema.json).") var json = false
    @Option(help: "Cluster file, for the tolerance (default: $MERIDIAN_CLUSTER, else /etc/meridian/cluster.json).") var cluster: String?
    @Option(help: "Service settings, for state_dir (default: /etc/meridian/serve.json).") var config: String?

    func validate() throws {
        do { _ = try HistoryWindow.seconds(since) } catch { throw ValidationError(error.detail) }
        if let node, node.isEmpty || node.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw ValidationError("--node: expected a node name, found \"\(TerminalText.escaped(node))\"")
        }
    }

    func run() throws {
        let window: Double
        do { window = try HistoryWindow.seconds(since) } catch { throw ValidationError(error.detail) }
        let clusterFile: ClusterFile
        let settings: ServeConfiguration
        do {
            clusterFile = try ClusterFileStore.load(ClusterFileStore.path(flag: cluster))
            settings = try ServeConfiguration.load(path: config)
        } catch {
            throw fail("\(error)", code: ExitStatus.unknown)
        }
        if let node, clusterFile.node(named: node) == nil {
            note("\(node) is not in the cluster file; showing what the history has for it")
        }
        let now = WallClock.now().asDouble
        let summaries: [NodeHistorySummary]
        do {
            let store = try HistoryStore.openForReading(path: settings.historyPath)
            summaries = try store.summary(node: node, since: now - window, toleranceSeconds: clusterFile.maxOffsetSeconds,
                                          intervalSeconds: settings.intervalSeconds)
        } catch {
            throw fail("\(error)", code: ExitStatus.unknown)
        }
        if json {
            print(NodeHistorySummary.reportJSON(cluster: clusterFile.name, sinceSeconds: window, until: now,
                                                toleranceSeconds: clusterFile.maxOffsetSeconds, summaries).prettyText)
        } else {
            print(HistoryTable.render(summaries, sinceSeconds: window, toleranceSeconds: clusterFile.maxOffsetSeconds))
        }
    }
}
