import HostSystem
import ArgumentParser
import Coordinator
import MeridianService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the coordinator as a service: watch the cluster, keep its history, raise alerts, answer the API.",
        discussion: "Settings in --config (default /etc/meridian/serve.json, every field optional; schema in "
            + "protocol/schemas/serve-config.schema.json). Runs until SIGTERM or SIGINT; systemd's Type=notify "
            + "hears READY=1 after the first survey. Exit 78 for a bad configuration.")

    @OptionGroup var options: ClusterOptions
    @Option(help: "Service settings (default: /etc/meridian/serve.json; missing there: the defaults).") var config: String?
    @Option(help: "Write the metrics to DIR/meridian.prom after each survey (node_exporter's textfile collector; overrides textfile_dir).") var textfile: String?

    func run() async throws {
        // The settings first: a bad serve.json is named before anything else is touched.
        var settings: ServeConfiguration
        do { settings = try ServeConfiguration.load(path: config) } catch {
            throw fail("\(error)", code: ExitCode(78))
        }
        if let textfile {
            guard textfile.hasPrefix("/") else { throw fail("--textfile must be an absolute directory path, found \"\(textfile)\"", code: ExitCode(64)) }
            settings.textfileDirectory = textfile
        }
        let (cluster, context, path) = try options.load()
        let service = Service(cluster: cluster, clusterPath: path, tls: context, configuration: settings)
        do {
            try await DedicatedThread.run(name: "serve") { try service.run() }
        } catch {
            throw fail("serve: \(error)", code: ExitCode(1))
        }
    }
}
