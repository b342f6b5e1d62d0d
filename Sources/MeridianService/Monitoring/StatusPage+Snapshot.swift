import Coordinator

extension StatusPage.Model {
    /// The page's model from the latest snapshot: `meridian status`'s rows, every reason.
    public init(_ snapshot: Snapshot?, clusterName: String, events: [AlertEvent], chart: String, window: OffsetChart.Window,
                now: Double, refreshSeconds: Int) {
        let report = snapshot?.status
        let table = report.map(StatusTable.rows) ?? [["NODE"]]
        let states = Dictionary(snapshot?.samples.map { ($0.node, $0.state) } ?? [], uniquingKeysWith: { a, _ in a })
        let rows = table.dropFirst().map { cells in
            StatusPage.Row(node: cells.first ?? "?", state: states[cells.first ?? ""] ?? .unknown, cells: cells)
        }
        var reasons: [String] = []
        if let report {
            for node in report.nodes {
                // The verdict's messages name their node already.
                reasons += (report.verdict(of: node.name)?.problems ?? []).map(\.message)
            }
            reasons += (report.verdict.clusterFindings + report.extraFindings).filter { $0.severity != .ok }.map(\.message)
        }
        self.init(cluster: report?.cluster.name ?? clusterName, verdict: snapshot.map { $0.status.clusterState }, header: table.first ?? [],
                  rows: rows, reasons: reasons, events: events, chart: chart, window: window, now: now,
                  surveyTime: snapshot?.time, refreshSeconds: refreshSeconds)
    }
}
