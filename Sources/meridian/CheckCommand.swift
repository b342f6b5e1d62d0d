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
            file's tolerance and the tolerance; without them the cluster's verdict counts too. When serve.json \
            says TLS (http_tls), the listener is read over https, its certificate checked against the cluster \
            CA for the master's name; with http_client_auth operator that needs --operator-cert/--operator-key \
            (without them the check surveys itself; -v says why on stderr).
            """)

    @OptionGroup var options: ClusterOptions
    @Option(name: [.customShort("w"), .long], parsing: .unconditional, help: "Warning threshold on |offset| (seconds).") var warning: Double?
    @Option(name: [.customShort("c"), .long], parsing: .unconditional, help: "Critical threshold on |offset| (seconds).") var critical: Double?
    @Option(help: "serve.json whose http_listen names the running service (default /etc/meridian/serve.json).") var config: String?
    @Flag(help: "Survey the cluster even when the service answers.") var noService = false
    @Option(help: "Operator certificate for a service whose HTTPS listener asks for one (http_client_auth operator).") var operatorCert: String?
    @Option(help: "The operator certificate's key.") var operatorKey: String?
    @Flag(name: [.customShort("v"), .long], help: "Say on stderr where the status came from and why the service was not used.") var verbose = false

    func validate() throws {
        try OptionRange.check(warning, "-w", 0...3600)
        try OptionRange.check(critical, "-c", 0...3600)
        if let warning, let critical, warning > critical { throw ValidationError("-w (\(warning)) must not exceed -c (\(critical))") }
        if (operatorCert == nil) != (operatorKey == nil) { throw ValidationError("--operator-cert and --operator-key go together") }
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
            status = await fromService(serve, cluster: cluster)
        }
        if status == nil { note("surveying the cluster") }
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
    /// Over https when serve.json says TLS: as the coordinator (the listener asks no client
    /// certificate) or, for `http_client_auth: operator`, with `--operator-cert/--operator-key`.
    func fromService(_ serve: ServeConfiguration, cluster: ClusterFile) async -> JSONValue? {
        var client: TLSContext?
        let master = cluster.timeServerNodes.first?.name.description
        let scheme = serve.httpUsesTLS ? "https" : "http"
        if serve.httpUsesTLS {
            let certificates = CertificateDirectory(path: options.certs ?? cluster.certificateDirectory)
            do {
                switch (serve.httpClientAuth, operatorCert, operatorKey) {
                case (.operator, let certificate?, let key?):
                    client = try TLSContext(TLSConfiguration(caPath: certificates.caCertificate, certificatePath: certificate, keyPath: key,
                                                             role: .operator, crlPath: PKI.revocationListPath(in: certificates.path)))
                case (.operator, _, _):
                    note("the service's HTTPS listener asks for an operator certificate (http_client_auth operator); give --operator-cert and --operator-key to read it")
                    return nil
                case (HTTPClientAuth.none, _, _):
                    client = try certificates.coordinatorContext()
                }
            } catch {
                note("cannot read the service over https: \(error)")
                return nil
            }
        }
        let reply: LoopbackHTTPClient.Response
        do {
            reply = try await DedicatedThread.run(name: "check-http") { [client] in
                try ServiceStatusClient.get(serve, path: "/api/v1/status", client: client, serverName: master)
            }
        } catch {
            note("the service on \(scheme)://\(serve.httpListen) did not answer: \(error)")
            return nil
        }
        guard reply.status == 200, let json = try? JSONValue(parsing: reply.body), let age = json["age_seconds"]?.doubleValue else {
            note("the service on \(scheme)://\(serve.httpListen) answered \(reply.status) without a status")
            return nil
        }
        guard age <= max(120, 3 * serve.intervalSeconds) else {
            note("the service's last survey is \(Int(age)) s old")
            return nil
        }
        note("read the service on \(scheme)://\(serve.httpListen)")
        return json
    }

    /// `-v`: one line on stderr (stdout stays the plugin's one line).
    func note(_ text: String) {
        if verbose { Console.error("meridian check: \(text)\n") }
    }

    func unknown(_ message: String) -> ExitCode {
        print("MERIDIAN UNKNOWN - \(PluginCheck.oneLine(message))")
        return ExitStatus.unknown
    }
}
