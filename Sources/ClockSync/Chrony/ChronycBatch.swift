/// `chronyc -c -m tracking sources sourcestats authdata ntpdata`: one chronyc process for the five
/// reports the agent's facts need (each chronyc start costs a fork, an exec and a socket round
/// trip; five per node were most of a 32-node survey's work in the loopback lab).
///
/// chronyc prints the reports one after another with no separator, so they are told apart by
/// what chrony prints: `tracking` is one line; `sources` one line per source, its first field the
/// mode (`^`, `=`, `#`); `sourcestats` one line per source, in the same order; `authdata` and
/// `ntpdata` one line per NTP source (modes `^` and `=`: chronyc skips reference clocks there).
/// Output of any other shape gives nil, and the caller asks for each report on its own.
public enum ChronycBatch {
    /// The reports asked for, in the order chronyc prints them.
    public static let reports = ["tracking", "sources", "sourcestats", "authdata", "ntpdata"]

    public struct Sections: Sendable, Equatable {
        public var tracking: String
        public var sources: String
        public var sourcestats: String
        public var authdata: String
        public var ntpdata: String
    }

    public static func split(_ text: String) -> Sections? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let tracking = lines.first, tracking.split(separator: ",", omittingEmptySubsequences: false).count == 14 else { return nil }
        var index = 1
        var ntpSources = 0
        while index < lines.count {
            let fields = lines[index].split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 10, let mode = ChronySources.Mode(rawValue: String(fields[0])) else { break }
            if mode != .referenceClock { ntpSources += 1 }
            index += 1
        }
        let sourceCount = index - 1
        guard lines.count == 1 + 2 * sourceCount + 2 * ntpSources else { return nil }
        func section(_ start: Int, _ count: Int) -> String {
            lines[start..<start + count].map { $0 + "\n" }.joined()
        }
        let stats = section(1 + sourceCount, sourceCount)
        // sourcestats has 8 fields a line; a line of another report here means the guess is off.
        guard stats.split(separator: "\n").allSatisfy({ $0.split(separator: ",", omittingEmptySubsequences: false).count == 8 }) else { return nil }
        return Sections(tracking: section(0, 1), sources: section(1, sourceCount), sourcestats: stats,
                        authdata: section(1 + 2 * sourceCount, ntpSources), ntpdata: section(1 + 2 * sourceCount + ntpSources, ntpSources))
    }
}
