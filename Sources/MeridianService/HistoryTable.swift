import ClockSync
import Coordinator

/// The human form of `meridian history`: one row per node (fits 100 columns), then each node's
/// verdict changes. Node names come from the database, so cells go through `TerminalText`.
public enum HistoryTable {
    public static func render(_ summaries: [NodeHistorySummary], sinceSeconds: Double, toleranceSeconds: Double) -> String {
        guard !summaries.isEmpty else { return "no history in the last \(Durations.duration(sinceSeconds))" }
        var rows = [["NODE", "SAMPLES", "WORST |OFFSET|", "P95 |OFFSET|", "OUT OF TOL", "CHANGES", "VERDICT"]]
        for s in summaries {
            rows.append([
                TerminalText.escaped(s.node), "\(s.samples)",
                s.worstOffsetSeconds.map(Durations.duration) ?? "-", s.p95OffsetSeconds.map(Durations.duration) ?? "-",
                Durations.duration(s.secondsOutOfTolerance), "\(s.changes.count)", s.lastState?.rawValue ?? "-",
            ])
        }
        var text = TextTable.render(rows)
        for s in summaries where !s.changes.isEmpty {
            text += "\n\(TerminalText.escaped(s.node)):"
            for change in s.changes.suffix(20) {
                text += "\n  \(utc(change.time))  \(change.from) -> \(change.to)"
            }
            if s.changes.count > 20 { text += "\n  (\(s.changes.count - 20) earlier changes left out; --json has them all)" }
        }
        text += "\nlast \(Durations.duration(sinceSeconds)); tolerance \(Durations.duration(toleranceSeconds)) (the cluster's max_offset_seconds)"
        return text
    }

    static func utc(_ time: Double) -> String {
        guard time.isFinite, abs(time) < 1e15 else { return "?" }
        return CivilTime.chronyText(epochSeconds: Int64(time.rounded(.down))) + " UTC"
    }
}

/// `--since 90s | 30m | 24h | 7d`: a positive count and one unit, at most ten years.
public enum HistoryWindow {
    public static func seconds(_ text: String) throws(ServiceError) -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last, let scale = units[unit], let count = Int(text.dropLast()), count > 0,
              text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ServiceError(.invalidConfiguration, "--since: expected a positive whole number and a unit s, m, h or d (90s, 30m, 24h, 7d), found \"\(text)\"")
        }
        let seconds = Double(count) * scale
        guard seconds <= 3650 * 86_400 else {
            throw ServiceError(.invalidConfiguration, "--since: at most 3650d, found \"\(text)\"")
        }
        return seconds
    }
}
