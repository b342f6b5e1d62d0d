import HostSystem
@testable import NodeAgent
import Testing
import TestSupport

/// `time.sync_rtc` on a node without an RTC device reports it and skips hwclock; with one, it
/// runs the configured command and a failure stays a failure.
@Suite struct RTCActionTests {
    func actions(root: String, hwclock: [String]) -> TimeActions {
        var commands = AgentCommands()
        commands.hwclockSystohc = hwclock
        let files = ManagedFiles(root: root)
        let runner = CommandRunner()
        return TimeActions(commands: commands, files: files, runner: runner,
                           facts: FactsAction(node: "pve1", commands: commands, files: files, runner: runner))
    }

    func scratch(withRTC: Bool) throws -> String {
        let root = "/tmp/meridian-rtc-test-\(ProcessIdentity.current)-\(withRTC)"
        try AtomicFile.makeDirectories(root + "/dev")
        if withRTC { try AtomicFile.write([], to: root + "/dev/rtc0") } else { AtomicFile.remove(root + "/dev/rtc0") }
        return root
    }

    @Test func noRTCDeviceIsReportedAndSkipped() throws {
        // `false` stands for hwclock failing as it does in a container: it must not even run.
        let result = try actions(root: try scratch(withRTC: false), hwclock: ["false"]).syncRTC()
        #expect(!result.changed)
        #expect(result.detail.hasPrefix("no RTC on this node"))
    }

    @Test func withAnRTCTheCommandRunsAndItsFailureIsAFailure() throws {
        let root = try scratch(withRTC: true)
        #expect(try actions(root: root, hwclock: ["true"]).syncRTC().changed)
        #expect(throws: (any Error).self) { try actions(root: root, hwclock: ["false"]).syncRTC() }
    }
}
