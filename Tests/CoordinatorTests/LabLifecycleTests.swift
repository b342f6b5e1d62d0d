import HostSystem
import ClockSync
@testable import Coordinator
import JSONCore
import SecureTransport
import Testing
import TestSupport

/// The lab and `clock set` through the `meridian` CLI itself (child processes), in the lab suite.
extension LabIntegrationTests {
    /// `meridian ARGS…` as a child process, waited for on a thread of its own.
    func meridian(_ arguments: [String]) async throws -> CommandResult {
        try await DedicatedThread.run(name: "meridian-cli") {
            try ChildProcess.run([AgentProcess.meridianBinary] + arguments, timeout: .seconds(300))
        }
    }

    /// Every process on this machine whose command line or environment names `text`.
    static func processes(mentioning text: String) -> [Int32] {
        AtomicFile.list("/proc").compactMap(Int32.init).filter { pid in
            for file in ["cmdline", "environ"] {
                if let bytes = try? AtomicFile.read("/proc/\(pid)/\(file)", limit: 1 << 20),
                   String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text) { return ChildProcess.isAlive(pid) }
            }
            return false
        }
    }

    @Test func labDownLeavesNoProcessNoMountNoStateAndNoFileOutsideTheLab() async throws {
        let dir = directory.path
        let up = try await meridian(["lab", "up", "--dir", dir, "--nodes", "3"])
        try #require(up.succeeded, "lab up: \(up.stderr)")
        let state = try #require(LabState.load(layout))
        let chronyds = state.nodes.compactMap { LabProcesses.chronydPID(layout, node: $0) }
        let pids = Array(state.agents.values) + chronyds + (state.clockd.map { [$0] } ?? [])
        #expect(state.agents.count == 3 && chronyds.count == 3 && state.clockd != nil, "the lab runs what it says: \(state)")
        #expect(Set(Self.processes(mentioning: dir)).isSuperset(of: pids), "the scan below sees the lab's processes")

        let down = try await meridian(["lab", "down", "--dir", dir])
        #expect(down.succeeded, "lab down: \(down.stderr)")
        #expect(down.stdout.contains("stopped:"), "\(down.stdout)")
        #expect(pids.filter(ChildProcess.isAlive) == [], "every pid the lab recorded is gone")
        #expect(Self.processes(mentioning: dir) == [], "no process names the lab directory")
        let mounts = String(decoding: try AtomicFile.read("/proc/self/mounts") ?? [], as: UTF8.self)
        #expect(!mounts.contains(dir), "nothing is mounted under the lab")
        #expect(!AtomicFile.exists(layout.state), "lab.json is removed")
        // libfaketime leaves /dev/shm/faketime_shm_PID (and a semaphore) when its process is killed.
        let leftovers = AtomicFile.list("/dev/shm").filter { name in pids.contains { name.hasSuffix("_\($0)") } }
        #expect(leftovers == [], "no shared memory left in /dev/shm by the lab's processes")
        let status = try await meridian(["lab", "status", "--dir", dir])
        #expect(status.status == 3, "lab status finds no lab: \(status.stdout)\(status.stderr)")
        let again = try await meridian(["lab", "down", "--dir", dir])
        #expect(again.stdout.contains("nothing was running"), "\(again.stdout)")
    }

    /// "YYYY-MM-DD HH:MM:SS +00:00" for `epoch` (civil-from-days, proleptic Gregorian).
    static func adminTime(_ epoch: Int64) -> String {
        let days = epoch / 86_400, second = epoch % 86_400
        let z = days + 719_468, era = z / 146_097, doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) +00:00"
    }

    @Test func clockSetRefusesAJumpOverTenMinutesWithoutForceAndMakesItWithForce() async throws {
        let (cluster, context) = try await up(nodes: 2)
        #expect(Self.adminTime(1_742_740_200) == "2025-03-23 14:30:00 +00:00")
        let target = Self.adminTime(WallClock.now().seconds + 1200)  // 20 minutes ahead
        let common = ["clock", "set", "--cluster", layout.clusterFile, "--json", target]

        let refused = try await meridian(common)
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        let refusal = try #require(try JSONValue(parsing: refused.standardOutput).arrayValue)
        #expect(refusal.count == 1 && refusal.first?["failed"] == .bool(true), "\(refused.stdout)")
        #expect(refusal.first?["detail"]?.stringValue?.contains("more than 10 minutes") == true, "\(refused.stdout)")
        let untouched = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        #expect(abs(untouched.timeServerOffsetFromHere ?? 99) < 5, "refused: the time server's clock did not move")

        let forced = try await meridian(common + ["--force"])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        let done = try #require(try JSONValue(parsing: forced.standardOutput).arrayValue)
        #expect(done.count == 1 && done.first?["failed"] == .bool(false), "\(forced.stdout)")
        let step = try #require(done.first?["step_seconds"]?.doubleValue)
        #expect(abs(step - 1200) < 5, "a 20-minute step: \(step)")
        let moved = StatusReport(cluster: cluster, nodes: await Survey.run(cluster, context: context))
        #expect(abs((moved.timeServerOffsetFromHere ?? 0) - 1200) < 5, "the time server is 20 minutes ahead: \(String(describing: moved.timeServerOffsetFromHere))")
    }
}
