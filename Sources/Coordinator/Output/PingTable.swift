import ClockSync

/// The human form of `meridian ping`: one row per target, fits 100 columns.
public enum PingTable {
    public static func render(_ reports: [PingReport]) -> String {
        var rows = [["TARGET", "NODE", "VERSION", "RTT", "OFFSET", "RESULT"]]
        for report in reports {
            if report.ok {
                rows.append([
                    report.target, report.node ?? "-", report.agentVersion ?? "-",
                    report.rttSeconds.map(Durations.duration) ?? "-",
                    report.offsetSeconds.map(Durations.offset) ?? "-", "ok",
                ])
            } else {
                rows.append([report.target, "-", "-", "-", "-", report.error ?? "failed"])
            }
        }
        return TextTable.render(rows)
    }
}
