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

/// Column-aligned text; the last column is left unpadded so long reasons don't widen the table.
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = Array(repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() where i < width - 1 { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i < width - 1 ? cell.padding(to: widths[i]) : cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
