/// Column-aligned text; the last column is left unpadded so long reasons don't widen the table.
/// Every cell is escaped (`TerminalText`), so a cell is always one line and the table has one
/// line per row.
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        let cells = rows.map { $0.map { TerminalText.escaped($0) } }
        guard let width = cells.map(\.count).max() else { return "" }
        var widths = Array(repeating: 0, count: width)
        for row in cells { for (i, cell) in row.enumerated() where i < width - 1 { widths[i] = max(widths[i], cell.count) } }
        return cells.map { row in
            row.enumerated().map { i, cell in
                i < width - 1 ? cell.padding(to: widths[i]) : cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
