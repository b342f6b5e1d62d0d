import ClockSync
import HostSystem
import Synchronization
import WireProtocol

extension FactsAction {
    /// chronyc's five reports in one process (`chronyc -c -m tracking sources sourcestats authdata
    /// ntpdata`, split by `ChronycBatch`), each kept as the output of that batch command. When the
    /// batch fails (chronyd down, a report refused) or prints a shape we cannot split, each report
    /// is asked on its own as before, so the facts (and why tracking is missing) stay exact.
    func chronycReports() -> (tracking: CommandOutput, sources: CommandOutput, sourcestats: CommandOutput,
                              authdata: CommandOutput, ntpdata: CommandOutput) {
        let batch = runner.run(commands.chronyc + ["-c", "-m"] + ChronycBatch.reports, timeout: .seconds(5))
        if batch.succeeded, let sections = ChronycBatch.split(batch.stdout) {
            func part(_ text: String) -> CommandOutput {
                CommandOutput(command: batch.command, status: 0, stdout: text, stderr: batch.stderr, timedOut: false)
            }
            return (part(sections.tracking), part(sections.sources), part(sections.sourcestats), part(sections.authdata), part(sections.ntpdata))
        }
        func one(_ report: String) -> CommandOutput { runner.run(commands.chronyc + ["-c", report], timeout: .seconds(5)) }
        return (one("tracking"), one("sources"), one("sourcestats"), one("authdata"), one("ntpdata"))
    }

    /// `chronyd -v`, asked again at most every `VersionCache.lifetime`: the version changes only
    /// when chrony is upgraded, and each survey asked it of every node.
    func chronydVersion() -> String? {
        let now = ContinuousClock.now
        if let cached = versionCache.state.withLock({ $0 }), now - cached.asked < VersionCache.lifetime { return cached.version }
        let version = firstLine(runner.run(commands.chronydVersion, timeout: .seconds(5)))
        versionCache.state.withLock { $0 = version.map { (now, $0) } }
        return version
    }
}

/// The last `chronyd -v` answer and when it was asked (a failed answer is not kept).
final class VersionCache: Sendable {
    static let lifetime: Duration = .seconds(300)
    let state = Mutex<(asked: ContinuousClock.Instant, version: String)?>(nil)
}
