import HostSystem
import ArgumentParser
import Coordinator
import SecureTransport

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Install and start the agent on the cluster's nodes over SSH, each with its own key and certificate.",
        discussion: "Uses the cluster's own root SSH trust (/etc/pve/priv/known_hosts). The private key is made on each node and never leaves it.")

    @OptionGroup var options: ClusterOptions
    @Option(name: .customLong("node"), help: "Only this node (repeatable).") var nodes: [String] = []
    @Option(help: "Deploy settings (JSON; see protocol/deploy-settings.md).") var settings: String?
    @Option(name: .customLong("ssh-option"), help: "Extra ssh option, e.g. -oConnectTimeout=5 (repeatable).") var sshOptions: [String] = []
    @Option(parsing: .unconditional, help: "Nodes deployed in parallel at most (1...64).") var concurrency = 8
    @Flag(help: "Print what would be done, change nothing.") var dryRun = false
    @Flag(help: "Issue fresh keys and certificates.") var renew = false
    @Flag(help: "Print JSON: per node outcome, actions, failed_step, error.") var json = false

    func validate() throws { try OptionRange.check(concurrency, "--concurrency", 1...64) }

    func run() async throws {
        let (cluster, _, _) = try options.load()
        var deploySettings: DeploySettings
        do { deploySettings = try DeploySettings.load(settings) } catch { throw fail("\(error)", code: ExitCode(64)) }
        deploySettings.sshOptions += sshOptions
        var deployOptions = Deploy.Options()
        deployOptions.dryRun = dryRun
        deployOptions.renew = renew
        deployOptions.concurrency = concurrency
        deployOptions.nodes = nodes
        let reports: [Deploy.Report]
        do {
            reports = try await Deploy.run(cluster, settings: deploySettings,
                                           certificates: CertificateDirectory(path: options.certs ?? cluster.certificateDirectory),
                                           options: deployOptions) { note($0) }
        } catch { throw fail("\(error)", code: ExitStatus.critical) }
        if json {
            print(JSONText.encode(reports))
        } else {
            var rows = [["NODE", "RESULT", "DETAIL"]]
            for report in reports {
                let detail = report.error.map { "\(report.failedStep ?? ""): \($0)" }
                    ?? (report.actions.isEmpty ? "nothing to change" : report.actions.joined(separator: "; "))
                rows.append([report.node, report.outcome, String(detail.prefix(160))])
            }
            print(TextTable.render(rows))
        }
        if reports.contains(where: { $0.outcome == "failed" }) { throw ExitStatus.critical }
    }
}

struct UndeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undeploy",
        abstract: "Stop and remove the agent from nodes and revoke their certificates; the other nodes get the new revocation list.")

    @OptionGroup var options: ClusterOptions
    @Option(name: .customLong("node"), help: "Node to undeploy (repeatable; required).") var nodes: [String] = []
    @Option(help: "Deploy settings (JSON).") var settings: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (cluster, _, _) = try options.load()
        let deploySettings: DeploySettings
        do { deploySettings = try DeploySettings.load(settings) } catch { throw fail("\(error)", code: ExitCode(64)) }
        let result: (removed: [Undeploy.Report], redeployed: [Deploy.Report])
        do {
            result = try await Undeploy.run(cluster, nodes: nodes, settings: deploySettings,
                                            certificates: CertificateDirectory(path: options.certs ?? cluster.certificateDirectory)) {
                note($0)
            }
        } catch { throw fail("\(error)", code: ExitStatus.critical) }
        if json {
            print(JSONText.encode(result.removed))
        } else {
            for report in result.removed {
                say("\(report.node): \(report.outcome)\(report.revokedSerial.map { ", certificate \($0) revoked" } ?? "")\(report.error.map { ": \($0)" } ?? "")")
            }
        }
        if result.removed.contains(where: { $0.outcome == "failed" }) || result.redeployed.contains(where: { $0.outcome == "failed" }) {
            throw ExitStatus.critical
        }
    }
}
