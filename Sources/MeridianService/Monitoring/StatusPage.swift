import ClockSync

/// `GET /`: one self-contained HTML page (inline CSS, server-rendered SVG, no script, no outside
/// asset: the cluster is offline) with the cluster's verdict, the node table of `meridian
/// status`, the reasons, the chart and the recent events. A pure function of `Model`.
///
/// It refreshes itself with `<meta http-equiv="refresh">` rather than a script: it works with
/// scripts off and keeps the chosen window (the URL carries it).
public enum StatusPage {
    public struct Row: Sendable, Equatable {
        public var node: String
        /// The CSS class and `data-verdict`: ok, warning, critical, unknown or unreachable.
        public var state: AlertState
        /// The cells, in `StatusTable.rows`' columns.
        public var cells: [String]
        public init(node: String, state: AlertState, cells: [String]) { self.node = node; self.state = state; self.cells = cells }
    }

    public struct Model: Sendable {
        public var cluster: String
        /// nil before the first survey.
        public var verdict: AlertState?
        public var header: [String]
        public var rows: [Row]
        public var reasons: [String]
        public var events: [AlertEvent]
        public var chart: String
        public var window: OffsetChart.Window
        /// Seconds since the epoch: the page's "now" and the last survey's time.
        public var now: Double
        public var surveyTime: Double?
        public var refreshSeconds: Int
        public init(cluster: String, verdict: AlertState?, header: [String], rows: [Row], reasons: [String], events: [AlertEvent],
                    chart: String, window: OffsetChart.Window, now: Double, surveyTime: Double?, refreshSeconds: Int) {
            self.cluster = cluster; self.verdict = verdict; self.header = header; self.rows = rows; self.reasons = reasons
            self.events = events; self.chart = chart; self.window = window; self.now = now; self.surveyTime = surveyTime
            self.refreshSeconds = refreshSeconds
        }
    }

    public static func render(_ model: Model) -> String {
        let e: (String) -> String = { HTMLText.escaped($0) }
        let verdict = model.verdict?.rawValue ?? "unknown"
        let age = model.surveyTime.map { "last survey \(Durations.duration(max(0, model.now - $0))) ago, at \(utc($0))" } ?? "no survey yet"
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="\(model.refreshSeconds)">
            <title>\(e(model.cluster)): \(verdict.uppercased()) · Meridian</title>
            <style>\(style)</style></head>
            <body>
            <header><h1>Meridian · <span id="cluster-name">\(e(model.cluster))</span></h1>
            <p id="cluster-verdict" class="verdict \(verdict)" data-verdict="\(verdict)">\(verdict.uppercased())</p>
            <p class="age">\(e(age))</p></header>
            <section><h2>Offset from the time server</h2>
            <nav>\(windowLinks(model.window))</nav>
            <div class="chart-box">\(model.chart)</div>
            <p class="legend">\(legend(model.rows))</p></section>
            <section><h2>Nodes</h2><div class="table-box"><table id="nodes"><thead><tr>
            """
        html += model.header.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in model.rows {
            html += "<tr class=\"node \(row.state.rawValue)\" data-node=\"\(e(row.node))\" data-verdict=\"\(row.state.rawValue)\">"
            html += row.cells.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n"
        }
        html += "</tbody></table></div></section>\n"
        if !model.reasons.isEmpty {
            html += "<section><h2>Reasons</h2><ul id=\"reasons\">" + model.reasons.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n"
        }
        html += "<section><h2>Recent events</h2>"
        if model.events.isEmpty {
            html += "<p id=\"events\">No events.</p>"
        } else {
            html += "<div class=\"table-box\"><table id=\"events\"><thead><tr><th>TIME (UTC)</th><th>NODE</th><th>CHANGE</th><th>REASONS</th></tr></thead><tbody>\n"
            for event in model.events {
                let change = event.kind == .reminder ? "still \(event.to.rawValue)" : "\(event.from.rawValue) → \(event.to.rawValue)"
                html += "<tr class=\"\(event.to.rawValue)\"><td>\(e(utc(event.time)))</td><td>\(e(event.node ?? "cluster"))</td>"
                html += "<td>\(e(change))</td><td>\(e(event.reasons.joined(separator: "; ")))</td></tr>\n"
            }
            html += "</tbody></table></div>"
        }
        html += "</section>\n<footer>Meridian · refreshes every \(model.refreshSeconds) s · <a href=\"/metrics\">metrics</a> · <a href=\"/api/v1/status\">status JSON</a></footer>\n</body></html>\n"
        return html
    }

    static func windowLinks(_ current: OffsetChart.Window) -> String {
        OffsetChart.Window.allCases.map { window in
            window == current ? "<strong>last \(window.rawValue)</strong>" : "<a href=\"/?window=\(window.rawValue)\">last \(window.rawValue)</a>"
        }.joined(separator: " · ")
    }

    static func legend(_ rows: [Row]) -> String {
        rows.enumerated().map { index, row in
            "<span class=\"key\"><i style=\"background:\(OffsetChart.palette[index % OffsetChart.palette.count])\"></i>\(HTMLText.escaped(row.node))</span>"
        }.joined(separator: " ")
    }

    static func utc(_ time: Double) -> String {
        guard time.isFinite, abs(time) < 1e12 else { return "?" }
        return CivilTime.chronyText(epochSeconds: Int64(time.rounded(.down))) + " UTC"
    }

    /// Readable on a phone: the tables scroll sideways in their own box, the chart scales to the
    /// width (viewBox), and the type is the system's.
    static let style = """
        body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 12px;color:#222;background:#fafafa}\
        h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.1em;margin:1.2em 0 .4em}\
        .verdict{display:inline-block;font-weight:bold;padding:.2em .8em;border-radius:4px;color:#fff;background:#777;margin:0}\
        .verdict.ok{background:#2e7d32}.verdict.warning{background:#ef6c00}.verdict.critical,.verdict.unreachable{background:#c62828}\
        .age{color:#555;font-size:.9em}.table-box{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}\
        th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #ddd;white-space:nowrap}\
        tr.warning td{background:#fff3e0}tr.critical td,tr.unreachable td{background:#ffebee}tr.unknown td{background:#eceff1}\
        .chart-box svg{width:100%;height:auto;background:#fff}.plot{fill:#fff;stroke:#bbb}.band-tolerance{fill:#fff3e0}\
        .band-warning{fill:#e8f5e9}.zero{stroke:#333;stroke-width:1}.grid{stroke:#eee}.axis{font-size:11px;fill:#555}\
        .node-line{fill:none;stroke-width:1.6}.node-line.critical,.node-line.unreachable{stroke-width:2.6}\
        li{overflow-wrap:anywhere}.key{white-space:nowrap;margin-right:.8em}.key i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\
        footer{margin:2em 0 1em;color:#777;font-size:.85em}\
        @media (max-width:600px){body{padding:0 6px}th,td{padding:.25em .3em;font-size:.85em}}
        """
}
