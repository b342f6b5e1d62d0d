import ArgumentParser
import ClockSync
import Coordinator
import HostSystem
import JSONCore
import MeridianService
import SecureTransport

/// `meridian check`: a monitoring plugin (Nagios, Icinga, Checkmk). One line on stdout, exit
/// 0 ok, 1 warning, 2 critical, 3 unknown; the logic is `PluginCheck` in MeridianService.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Monitoring-plugin check of the cluster's clocks: one line with perfdata per node (exit 0/1/2/3).",
        discussion: """
            Reads the running service's /api/v1/status on serve.json's http_listen when it answers with a \
            recent survey (fast); otherwise surveys the cluster itself. -w/-c default to half the cluster \
            file's tolerance and the tolerance; without them the cluster's verdict counts too.
            """)

    @OptionGroup var options: ClusterOptions
    @Option(name: [.customShort("w"), .long], parsing: .unconditional, help: "Warning threshold on |offset| (seconds).") var warning: Double?
    @Option(name: [.customShort("c"), .long], parsing: .unconditional, help: "Critical threshold on |offset| (seconds).") var critical: Double?
    @Option(help: "serve.json whose http_listen names the running service (default /etc/meridian/serve.json).") var config: String?
    @Flag(help: "Survey the cluster even when the service answers.") var noService = false

    func validate() throws {
        try OptionRange.check(warning, "-w", 0...3600)
        try OptionRange.check(critical, "-c", 0...3600)
        if let warning, let critical, warning > critical { throw ValidationError("-w (\(warning)) must not exceed -c (\(critical))") }
    }

    func run() async throws {
        let clusterPath = ClusterFileStore.path(flag: options.cluster)
        let cluster: ClusterFile
        do { cluster = try ClusterFileStore.load(clusterPath) } catch { throw unknown("\(error)") }
        let critical = critical ?? max(cluster.maxOffsetSeconds, warning ?? 0)
        let warning = warning ?? min(cluster.warningOffsetSeconds, critical)
        let explicit = self.warning != nil || self.critical != nil
        var status: JSONValue?
        if !noService {
            let serve: ServeConfiguration
            do { serve = try ServeConfiguration.load(path: config) } catch { throw unknown("\(error)") }
            status = await Self.fromService(serve)
        }
        if status == nil {
            let context: TLSContext
            do { context = try CertificateDirectory(path: options.certs ?? cluster.certificateDirectory).coordinatorContext() } catch {
                throw unknown("\(error)")
            }
            status = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context)).json
        }
        let result = PluginCheck.evaluate(status: status ?? .null, warning: warning, critical: critical, includeVerdict: !explicit)
        print(result.line)
        throw ExitCode(Int32(result.severity.rawValue))
    }

    /// The service's status when it answers within 2 s with a survey at most 3 intervals (at
    /// least 2 minutes) old; nil otherwise (not running, starting, stuck).
    static func fromService(_ serve: ServeConfiguration) async -> JSONValue? {
        let listen = serve.httpListen
        guard let reply = try? await DedicatedThread.run(name: "check-http", {
            try LoopbackHTTPClient.get(listen, path: "/api/v1/status", timeoutSeconds: 2, limit: 16 << 20)
        }), reply.status == 200, let json = try? JSONValue(parsing: reply.body),
              let age = json["age_seconds"]?.doubleValue, age <= max(120, 3 * serve.intervalSeconds) else { return nil }
        return json
    }

    func unknown(_ message: String) -> ExitCode {
        print("MERIDIAN UNKNOWN - \(PluginCheck.oneLine(message))")
        return ExitStatus.unknown
    }
}
