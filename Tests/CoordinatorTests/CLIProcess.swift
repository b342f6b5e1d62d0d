import HostSystem
import TestSupport

/// The real `meridian` binary, run to completion on a thread of its own (never blocking the
/// cooperative pool). The timeout is a safety net against a hang, not a speed bound.
enum CLIProcess {
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        try await DedicatedThread.run(name: "meridian-cli") {
            try ChildProcess.run([AgentProcess.meridianBinary] + arguments, environment: environment, timeout: .seconds(300))
        }
    }
}
