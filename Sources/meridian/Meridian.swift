import HostSystem
import ArgumentParser
import Coordinator
import SecureTransport
import WireProtocol

@main
struct Meridian: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian",
        abstract: "Cluster time sync for offline Proxmox VE clusters.",
        version: MeridianVersion.current,
        subcommands: [InitCommand.self, CA.self, PingCommand.self, PlanCommand.self, ApplyCommand.self, StatusCommand.self, ClockCommand.self, DeployCommand.self, UndeployCommand.self, LabCommand.self]
    )
}

/// Exit codes as monitoring plugins use them.
enum ExitStatus {
    static let ok = ExitCode(0), warning = ExitCode(1), critical = ExitCode(2), unknown = ExitCode(3)
}

/// Errors the user can act on go to stderr with the reason, and map to a non-zero exit code.
func fail(_ message: String, code: ExitCode = ExitStatus.unknown) -> ExitCode {
    Console.error("meridian: \(message)\n")
    return code
}
