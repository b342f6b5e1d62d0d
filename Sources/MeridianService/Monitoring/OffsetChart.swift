internal import Glibc
import ClockSync

/// The status page's chart: every node's offset from the time server over the last hour, day or
/// week, as one self-contained SVG (no script, no outside asset). The time server is the zero
/// line; the tolerance band (± max offset) and the warning band (± half) are shaded.
///
/// The offset axis is linear within a tenth of the tolerance and logarithmic beyond it (a
/// symmetric log): one node seconds off must not flatten the band where the others live.
///
/// Each node's points are averaged into one value per column of the plot (at most `columns`),
/// so a week of 30-second samples draws as fast as an hour; a gap longer than three times the
/// node's usual spacing (and three columns) breaks the line instead of bridging it: no answer,
/// or the service was down.
public enum OffsetChart {
    public enum Window: String, Sendable, CaseIterable {
        case hour, day, week
        public var seconds: Double {
            switch self {
            case .hour: 3600
            case .day: 86_400
            case .week: 604_800
            }
        }
        /// Tick spacing and how a tick's age is written.
        var ticks: (step: Double, unit: Double, suffix: String) {
            switch self {
            case .hour: (600, 60, " min")
            case .day: (14_400, 3600, " h")
            case .week: (86_400, 86_400, " d")
            }
        }
    }

    public struct Series: Sendable, Equatable {
        public var node: String
        public var state: AlertState
        public var isTimeServer: Bool
        /// (seconds since the epoch, offset in seconds), any order.
        public var points: [Point]
        public init(node: String, state: AlertState, isTimeServer: Bool, points: [Point]) {
            self.node = node; self.state = state; self.isTimeServer = isTimeServer; self.points = points
        }
    }

    public struct Point: Sendable, Equatable {
        public var time: Double
        public var offset: Double
        public init(time: Double, offset: Double) { self.time = time; self.offset = offset }
    }

    /// Colours a reader can tell apart on white; the series index picks one, in turn.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]

    static let width = 800.0, height = 320.0
    static let left = 70.0, right = 12.0, top = 12.0, bottom = 28.0
    static let columns = 400

    public static func render(_ series: [Series], window: Window, now: Double, toleranceSeconds: Double) -> String {
        let start = now - window.seconds
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let binned = series.map { bin($0.points, start: start, end: now) }
        let largest = binned.flatMap { $0.compactMap { $0 } }.map(abs).max() ?? 0
        let limit = niceLimit(max(toleranceSeconds * 1.5, largest * 1.1))
        func x(_ column: Int) -> Double { left + (Double(column) + 0.5) * plotWidth / Double(columns) }
        let scale = SymmetricLog(linearUpTo: max(toleranceSeconds, 1e-6) / 10)
        func y(_ offset: Double) -> Double {
            top + plotHeight / 2 - scale(max(-limit, min(limit, offset))) / scale(limit) * plotHeight / 2
        }
        let c = HTMLText.coordinate
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(c(width)) \(c(height))" role="img" \
            aria-label="offset of every node from the time server, last \(window.rawValue)">
            <rect x="\(c(left))" y="\(c(top))" width="\(c(plotWidth))" height="\(c(plotHeight))" class="plot"/>
            <rect x="\(c(left))" y="\(c(y(toleranceSeconds)))" width="\(c(plotWidth))" height="\(c(y(-toleranceSeconds) - y(toleranceSeconds)))" class="band-tolerance"/>
            <rect x="\(c(left))" y="\(c(y(toleranceSeconds / 2)))" width="\(c(plotWidth))" height="\(c(y(-toleranceSeconds / 2) - y(toleranceSeconds / 2)))" class="band-warning"/>
            <line x1="\(c(left))" x2="\(c(width - right))" y1="\(c(y(0)))" y2="\(c(y(0)))" class="zero"/>

            """
        // Labels closer than a line of text to one already drawn are left out (the band's
        // labels when one node is seconds off).
        var labelled: [Double] = []
        for value in [0, limit, -limit, toleranceSeconds, -toleranceSeconds, toleranceSeconds * 10, -toleranceSeconds * 10]
            where abs(value) <= limit && !labelled.contains(where: { abs(y($0) - y(value)) < 12 }) {
            labelled.append(value)
            let label = value == 0 ? "0" : (value > 0 ? "+" : "-") + Durations.duration(abs(value))
            svg += "<text x=\"\(c(left - 6))\" y=\"\(c(y(value) + 4))\" class=\"axis\" text-anchor=\"end\">\(HTMLText.escaped(label))</text>\n"
        }
        let ticks = window.ticks
        var age = 0.0
        while age <= window.seconds {
            let tickX = left + (window.seconds - age) / window.seconds * plotWidth
            let label = age == 0 ? "now" : "-\(Int(age / ticks.unit))\(ticks.suffix)"
            svg += "<line x1=\"\(c(tickX))\" x2=\"\(c(tickX))\" y1=\"\(c(top))\" y2=\"\(c(height - bottom))\" class=\"grid\"/>"
            svg += "<text x=\"\(c(tickX))\" y=\"\(c(height - 8))\" class=\"axis\" text-anchor=\"middle\">\(label)</text>\n"
            age += ticks.step
        }
        for (index, (entry, values)) in zip(series, binned).enumerated() {
            var path = ""
            var lastColumn = -100_000
            let gap = gapColumns(entry.points, secondsPerColumn: window.seconds / Double(columns))
            for (column, value) in values.enumerated() {
                guard let value else { continue }
                path += (column - lastColumn > gap ? "M" : "L") + c(x(column)) + "," + c(y(value))
                lastColumn = column
            }
            guard !path.isEmpty else { continue }
            let colour = palette[index % palette.count]
            let name = HTMLText.escaped(entry.node), title = "<title>\(name)\(entry.isTimeServer ? " (time server)" : "")</title>"
            svg += "<path class=\"node-line \(entry.state.rawValue)\" data-node=\"\(name)\" stroke=\"\(colour)\" d=\"\(path)\">\(title)</path>"
            // The latest value as a dot: a service that just started has a line of one column.
            if let last = values.lastIndex(where: { $0 != nil }), let value = values[last] {
                svg += "<circle class=\"node-dot \(entry.state.rawValue)\" data-node=\"\(name)\" fill=\"\(colour)\" cx=\"\(c(x(last)))\" cy=\"\(c(y(value)))\" r=\"3.5\">\(title)</circle>"
            }
            svg += "\n"
        }
        svg += "</svg>"
        return svg
    }

    /// How many columns apart two points may be and still be joined: three times the median
    /// spacing of the node's samples, at least three columns.
    static func gapColumns(_ points: [Point], secondsPerColumn: Double) -> Int {
        let times = points.map(\.time).filter(\.isFinite).sorted()
        guard times.count > 2, secondsPerColumn > 0 else { return 3 }
        let spacings = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        let median = spacings[spacings.count / 2]
        return max(3, Int(min(3 * median / secondsPerColumn, Double(columns)).rounded(.up)))
    }

    /// The mean offset of each column's points; nil where a column has none.
    static func bin(_ points: [Point], start: Double, end: Double) -> [Double?] {
        var sums = Array(repeating: 0.0, count: columns), counts = Array(repeating: 0, count: columns)
        let span = end - start
        guard span > 0 else { return Array(repeating: nil, count: columns) }
        for point in points where point.time >= start && point.time <= end && point.offset.isFinite {
            let column = min(columns - 1, max(0, Int((point.time - start) / span * Double(columns))))
            sums[column] += point.offset
            counts[column] += 1
        }
        return (0..<columns).map { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
    }

    /// The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1 µs).
    static func niceLimit(_ value: Double) -> Double {
        let target = value.isFinite ? max(value, 1e-6) : 1e-6
        var scale = 1e-6
        while true {
            for step in [1.0, 2.0, 5.0] where step * scale >= target * (1 - 1e-9) { return step * scale }
            scale *= 10
            if scale > 1e6 { return 1e6 }
        }
    }
}

/// `sign(v) · log10(1 + |v| / k)`: linear near zero (below k), logarithmic beyond.
struct SymmetricLog {
    var linearUpTo: Double
    func callAsFunction(_ value: Double) -> Double {
        let magnitude = log10(1 + abs(value) / linearUpTo)
        return value < 0 ? -magnitude : magnitude
    }
}
