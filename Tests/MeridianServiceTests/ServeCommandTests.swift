import ClockSync
import Coordinator
import HostSystem
import JSONCore
import MeridianService
import Testing
import TestSupport

/// `meridian serve` and `meridian history` refusing bad input, as the processes an admin runs
/// (no lab: the run on the lab is `LabIntegrationTests.serveSurveysNotifiesKeepsHistoryAndStopsOnSIGTERM`).
@Suite struct ServeCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("meridian-serve-test")
    }

    func meridian(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        let argv = [AgentProcess.meridianBinary] + arguments
        return try await DedicatedThread.run(name: "meridian-cli") { try ChildProcess.run(argv, environment: environment, timeout: .seconds(60)) }
    }

    /// A bad serve.json stops `serve` at once with the field named, exit 78 (the unit does not
    /// restart on it), before the cluster file is even read.
    @Test(arguments: [(#"{"interval_seconds": -1}"#, "interval_seconds"), (#"{"state_dir": "relative"}"#, "state_dir"), (#"{"colour": 1}"#, "colour")])
    func badSettingsAreNamedAndExit78(text: String, field: String) async throws {
        try directory.write("serve.json", text)
        let result = try await meridian(["serve", "--cluster", directory.file("missing.json"), "--config", directory.file("serve.json")])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains(directory.file("serve.json")) && result.stderr.contains("\"\(field)\""), "\(result.stderr)")
    }

    @Test(arguments: ["5x", "0h", "-3d", "24"])
    func badSinceIsNamedExit64(since: String) async throws {
        let result = try await meridian(["history", "--since=\(since)"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--since") && result.stderr.contains("\"\(since)\""), "\(result.stderr)")
    }
}
