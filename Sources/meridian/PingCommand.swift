import ArgumentParser
import Coordinator

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Reach agents over the secure channel and measure their clock offset.")

    @Option(help: "Coordinator certificate directory (ca.pem, coordinator.pem, coordinator.key).")
    var certs = "/etc/meridian/certs"
    @Option(parsing: .unconditional, help: "Time probes per agent (1...64); the one with the smallest round trip wins.") var probes = 8
    @Option(parsing: .unconditional, help: "Seconds to wait for each agent (0.1...600).") var timeout = 5.0
    @Flag(help: "Print JSON (see protocol/PROTOCOL.md).") var json = false
    @Argument(help: "HOST or HOST:PORT of each agent (default port 7480).") var targets: [String]

    func validate() throws {
        guard !targets.isEmpty else { throw ValidationError("name at least one TARGET") }
        try OptionRange.check(probes, "--probes", 1...64)
        try OptionRange.check(timeout, "--timeout", 0.1...600)
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
