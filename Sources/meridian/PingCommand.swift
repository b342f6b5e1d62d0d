import ArgumentParser
import Coordinator

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Reach agents over the secure channel and measure their clock offset.")

    @Option(help: "Coordinator certificate directory (ca.pem, coordinator.pem, coordinator.key).")
    var certs = "/etc/meridian/certs"
    @Option(help: "Time probes per agent; the one with the smallest round trip wins.") var probes = 8
    @Option(help: "Seconds to wait for each agent.") var timeout = 5.0
    @Flag(help: "Print JSON (see protocol/PROTOCOL.md).") var json = false
    @Argument(help: "HOST or HOST:PORT of each agent (default port 7480).") var targets: [String]

    func validate() throws {
        guard !targets.isEmpty else { throw ValidationError("name at least one TARGET") }
        guard (1...64).contains(probes) else { throw ValidationError("--probes must be 1...64, got \(probes)") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
    }

    func run() async throws {
        var options = Ping.Options()
        options.probes = probes
        options.timeout = .seconds(timeout)
        let reports: [PingReport]
        do {
            reports = try await Ping.run(targets: targets, certificates: CertificateDirectory(path: certs), options: options)
        } catch { throw fail("\(error)") }
        if json {
            print(JSONText.encode(reports))
        } else {
            print(PingTable.render(reports))
        }
        if reports.contains(where: { !$0.ok }) { throw ExitStatus.critical }
    }
}
