/// Why a `chronyc` report is missing although the agent ran chronyc: chronyd is not running,
/// chronyc failed otherwise, or its output did not parse. Only the first is a fact about the
/// node (critical); the others mean Meridian cannot tell (unknown).
public enum ChronycFailure: Sendable, Equatable, CustomStringConvertible {
    /// chronyc reached no chronyd. The evidence is chronyc's own line.
    case daemonNotRunning(evidence: String)
    /// chronyc exited non-zero (or timed out) for another reason.
    case failed(status: Int32, evidence: String)
    /// chronyc succeeded but printed something the parser refuses.
    case unparsable(reason: String)

    /// The two lines chrony 4.3's chronyc prints when no chronyd answers, captured here
    /// (fixtures `chrony/not-running-*`): "Could not open connection to daemon" on stderr when
    /// the command socket (`-h /PATH.sock`) is missing, "506 Cannot talk to daemon" on stdout
    /// when neither the default socket nor UDP port 323 answers.
    static let notRunningLines = ["Could not open connection to daemon", "506 Cannot talk to daemon"]

    /// Classifies a chronyc run that did not succeed (`timedOut` runs are `failed`).
    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool = false) {
        let lines = (TextInput.lines(stderr) + TextInput.lines(stdout)).map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
        if !timedOut, status != 0, let line = lines.first(where: { Self.notRunningLines.contains($0) }) {
            self = .daemonNotRunning(evidence: line)
        } else {
            let evidence = lines.prefix(2).joined(separator: " | ")
            self = .failed(status: status, evidence: timedOut ? "timed out" + (evidence.isEmpty ? "" : ": " + evidence) : evidence)
        }
    }

    public var description: String {
        switch self {
        case .daemonNotRunning(let evidence): "chronyd is not running (chronyc: \(evidence))"
        case .failed(let status, let evidence): "chronyc failed (exit \(status)\(evidence.isEmpty ? "" : ": " + evidence))"
        case .unparsable(let reason): "chronyc's output does not parse (\(reason))"
        }
    }
}
