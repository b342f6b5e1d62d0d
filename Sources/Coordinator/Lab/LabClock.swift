import HostSystem
import ClockSync
import SecureTransport

/// The lab's stand-in for the kernel clock. chronyd runs with `-x`, so it measures but never
/// corrects; this loop applies what chrony asked for to the node's libfaketime offset file — a
/// step beyond 1 s (chrony's `makestep 1 3`), a bounded slew otherwise — once per chrony update.
/// A node chrony does not synchronise stays wrong, as a real one would.
public enum LabClock {
    public static func readOffset(_ layout: LabLayout, node: String) -> Double {
        guard let bytes = try? AtomicFile.read(layout.offsetFile(node)) else { return 0 }
        return Double(String(decoding: bytes, as: UTF8.self).trimmingWhitespace) ?? 0
    }

    /// libfaketime reads `+2.500000000` / `-0.000120000` (seconds relative to the real clock).
    public static func writeOffset(_ layout: LabLayout, node: String, seconds: Double) throws(CoordinatorError) {
        let nanoseconds = Int64((abs(seconds) * 1e9).rounded())
        let fraction = String(nanoseconds % 1_000_000_000)
        let text = (seconds < 0 ? "-" : "+") + "\(nanoseconds / 1_000_000_000)." + fraction.leftPadded(9)
        do { try AtomicFile.write(Array((text + "\n").utf8), to: layout.offsetFile(node)) } catch {
            throw CoordinatorError(.io, "\(node): cannot write \(layout.offsetFile(node)): \(error)")
        }
    }

    /// `meridian lab step NODE SECONDS`: moves a node's clock, as a bad RTC or an admin's `date -s` would.
    public static func step(_ layout: LabLayout, node: String, by seconds: Double) throws(CoordinatorError) {
        guard AtomicFile.exists(layout.offsetFile(node)) else { throw CoordinatorError(.notFound, "no lab node \(node) in \(layout.directory)") }
        try writeOffset(layout, node: node, seconds: readOffset(layout, node: node) + seconds)
    }

    /// `meridian lab set-clock`: what `chronyc settime` does to a real node's clock (here: the
    /// offset file), given the chronyc-style UTC text the agent passes.
    public static func set(_ layout: LabLayout, node: String, toUTC text: String) throws(CoordinatorError) {
        let target: Int64
        do { target = try CivilTime.parseChronyText(text) } catch { throw CoordinatorError(.invalid, "\(error)") }
        let now = WallClock.now()
        try writeOffset(layout, node: node, seconds: Double(target - now.seconds) - Double(now.nanoseconds) / 1e9)
    }

    /// Largest correction applied per chrony update below the step threshold.
    static let maxSlew = 0.1
    static let stepThreshold = 1.0
    static let damping = 0.5

    /// Runs until the process is stopped (`meridian lab down`). Blocking: call on its own thread.
    /// A node whose chrony asks for nothing is asked less often (up to every 4 s), so a 32-node
    /// lab does not spend its two cores on chronyc.
    public static func discipline(_ layout: LabLayout, nodes: [String], tick: Duration = .milliseconds(250)) -> Never {
        var lastUpdate: [String: Double] = [:]
        var interval: [String: Int] = [:]
        var due: [String: Int] = [:]
        var round = 0
        while true {
            round += 1
            for node in nodes where due[node, default: 0] <= round {
                let quiet = !correct(layout, node: node, lastUpdate: &lastUpdate)
                let next = quiet ? min(16, interval[node, default: 1] * 2) : 1
                interval[node] = next
                due[node] = round + next
            }
            ChildProcess.sleep(tick)
        }
    }

    /// One look at a node's chrony; true when a correction was applied.
    static func correct(_ layout: LabLayout, node: String, lastUpdate: inout [String: Double]) -> Bool {
        guard let result = try? ChildProcess.run(["chronyc", "-h", layout.socket(node), "-c", "tracking"], timeout: .seconds(2)),
              result.succeeded, let tracking = try? ChronyTracking(csv: result.stdout),
              tracking.isSynchronised, !tracking.isLocalReference else { return false }
        guard lastUpdate[node] != tracking.referenceTime else { return true }  // waiting for chrony's next update
        lastUpdate[node] = tracking.referenceTime
        let wanted = tracking.offsetSeconds
        guard abs(wanted) > 0.000_1 else { return false }
        // chrony's estimate lags the clock it cannot see us move: correct part of it per
        // update so the loop converges instead of overshooting.
        let correction = abs(wanted) > stepThreshold ? wanted : max(-maxSlew, min(maxSlew, wanted * damping))
        try? writeOffset(layout, node: node, seconds: readOffset(layout, node: node) - correction)
        return true
    }
}
