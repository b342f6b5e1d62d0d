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
        subcommands: [InitCommand.self, CA.self, PingCommand.self, PlanCommand.self, ApplyCommand.self, StatusCommand.self, CheckCommand.self, KeysCommand.self, ServeCommand.self, HistoryCommand.self, ClockCommand.self, DeployCommand.self, UndeployCommand.self, LabCommand.self]
    )
}

/// Exit codes as monitoring plugins use them.
enum ExitStatus {
    static let ok = ExitCode(0), warning = ExitCode(1), critical = ExitCode(2), unknown = ExitCode(3)
}

/// Errors the user can act on go to stderr with the reason, and map to a non-zero exit code.
/// The reason often quotes an agent or a tool, so it is escaped (`TerminalText`).
func fail(_ message: String, code: ExitCode = ExitStatus.unknown) -> ExitCode {
    note(message)
    return code
}

/// A progress or error line on stderr, escaped: one line, whatever an agent put in it.
func note(_ line: String) {
    Console.error("meridian: \(TerminalText.escaped(line))\n")
}

/// A human result line on stdout, escaped like every other human output.
func say(_ line: String) {
    print(TerminalText.escaped(line))
}
