import HostSystem
import ClockSync

/// The container lab's stand-in for each node's kernel clock, as LabClock is for the loopback
/// lab: chronyd runs with `-x` inside the node, so this loop applies what chrony asked for to
/// the node's libfaketime offset file (a step beyond 1 s, a bounded slew otherwise). It reads
/// chrony through the node's own `chronyc`, entered with nsenter (the socket lives in the node).
public enum ContainerClock {
    /// libfaketime reads `+2.500000000` / `-0.000120000` (seconds relative to the real clock).
    static func writeOffset(_ path: String, seconds: Double) throws(CoordinatorError) {
        let nanoseconds = Int64((abs(seconds) * 1e9).rounded())
        let fraction = String(nanoseconds % 1_000_000_000)
        let text = (seconds < 0 ? "-" : "+") + "\(nanoseconds / 1_000_000_000)." + String(repeating: "0", count: 9 - fraction.count) + fraction
        do { try AtomicFile.write(Array((text + "\n").utf8), to: path) } catch { throw CoordinatorError(.lab, "cannot write \(path): \(error)") }
    }

    public static func readOffset(_ path: String) -> Double {
        guard let bytes = try? AtomicFile.read(path) else { return 0 }
        return Double(String(decoding: bytes, as: UTF8.self).trimmingWhitespace) ?? 0
    }

    /// `meridian lab step NODE SECONDS` for a container node.
    public static func step(_ layout: ContainerLabLayout, node: String, by seconds: Double) throws(CoordinatorError) {
        guard AtomicFile.exists(layout.offsetFile(node)) else { throw CoordinatorError(.lab, "no container lab node \(node) in \(layout.directory)") }
        try writeOffset(layout.offsetFile(node), seconds: readOffset(layout.offsetFile(node)) + seconds)
    }

    static func startLoop(_ layout: ContainerLabLayout, meridian: String) throws(CoordinatorError) -> Int32 {
        do {
            return try ChildProcess.spawnDetached([meridian, "lab", "clockd", "--kind", "container", "--dir", layout.directory],
                                                  logPath: layout.directory + "/clockd.log")
        } catch { throw CoordinatorError(.lab, "cannot start the lab clock loop: \(error)") }
    }

    static let maxSlew = 0.1
    static let stepThreshold = 1.0
    static let damping = 0.5

    /// Runs until stopped (`lab down`). Blocking: call on its own thread. Quiet nodes are asked
    /// less often (up to every 4 s) so a 16-node lab does not spend its two cores on chronyc.
    public static func discipline(_ layout: ContainerLabLayout, tick: Duration = .milliseconds(250)) -> Never {
        var lastUpdate: [String: Double] = [:]
        var interval: [String: Int] = [:]
        var due: [String: Int] = [:]
        var round = 0
        while true {
            round += 1
            let nodes = ContainerLabState.load(layout)?.nodes ?? []
            for node in nodes where due[node.name, default: 0] <= round {
                let leader = node.supervisor.flatMap { ContainerNode.currentLeader(supervisor: $0, recorded: node.leader) }
                let active = leader.map { correct(layout, node: node.name, leader: $0, lastUpdate: &lastUpdate) } ?? false
                let next = active ? 1 : min(16, interval[node.name, default: 1] * 2)
                interval[node.name] = next
                due[node.name] = round + next
            }
            ChildProcess.sleep(tick)
        }
    }

    /// One look at a node's chrony; true when a correction was applied or is pending.
    static func correct(_ layout: ContainerLabLayout, node: String, leader: Int32, lastUpdate: inout [String: Double]) -> Bool {
        guard let result = try? ChildProcess.run(ContainerNode.exec(leader, ["chronyc", "-c", "tracking"]), timeout: .seconds(3)),
              result.succeeded, let tracking = try? ChronyTracking(csv: result.stdout),
              tracking.isSynchronised, !tracking.isLocalReference else { return false }
        guard lastUpdate[node] != tracking.referenceTime else { return true }  // waiting for chrony's next update
        lastUpdate[node] = tracking.referenceTime
        // chronyd -x cannot step: it logs "System clock wrong by -2.5 seconds / Could not step
        // system clock" and reports the step it wanted as the last offset (positive: fast),
        // while its system-time field stays near 0. A real kernel would have been stepped.
        let wanted = abs(tracking.lastOffsetSeconds) > stepThreshold ? tracking.lastOffsetSeconds : tracking.offsetSeconds
        guard abs(wanted) > 0.000_1 else { return false }
        // chrony's estimate lags a clock it cannot see us move: correct part of it per update.
        let correction = abs(wanted) > stepThreshold ? wanted : max(-maxSlew, min(maxSlew, wanted * damping))
        let path = layout.offsetFile(node)
        try? writeOffset(path, seconds: readOffset(path) - correction)
        if abs(correction) > stepThreshold {
            // After a real step chrony starts its statistics afresh; here the step it asked for
            // failed, so its filters still hold the pre-step samples and would pull the clock
            // back. Drop them and measure again at once, as after a step on a real node.
            _ = try? ChildProcess.run(ContainerNode.exec(leader, ["chronyc", "reset", "sources"]), timeout: .seconds(3))
            // A burst sent at once after the reset was seen to be dropped: ask again each second
            // until chrony has its samples back (bounded; chrony's own polling follows anyway).
            for _ in 0..<10 {
                ChildProcess.sleep(.seconds(1))
                _ = try? ChildProcess.run(ContainerNode.exec(leader, ["chronyc", "burst", "4/4"]), timeout: .seconds(3))
                ChildProcess.sleep(.seconds(1))
                let check = try? ChildProcess.run(ContainerNode.exec(leader, ["chronyc", "-c", "tracking"]), timeout: .seconds(3))
                if let text = check?.stdout, let again = try? ChronyTracking(csv: text), again.isSynchronised { break }
            }
        }
        return true
    }
}
