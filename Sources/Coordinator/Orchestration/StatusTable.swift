import ClockSync

/// The human form of `meridian status`: a table that fits 100 columns, then the reasons. Cells
/// and reasons carry agents' text, so both go through `TerminalText`.
public enum StatusTable {
    public static func render(_ report: StatusReport) -> String {
        var text = TextTable.render(rows(report))
        let reasons = report.nodes.flatMap { report.verdict(of: $0.name)?.problems ?? [] }
            + (report.verdict.clusterFindings + report.extraFindings).filter { $0.severity != .ok }
        if !reasons.isEmpty {
            text += "\n" + reasons.map { "  \($0.severity): \(TerminalText.escaped($0.message))" }.joined(separator: "\n")
        }
        text += "\ncluster \(TerminalText.escaped(report.cluster.name)): \(report.severity.description.uppercased())"
        if let offset = report.timeServerOffsetFromHere {
            text += " (time server \(Durations.offset(offset)) of this machine)"
        }
        return text
    }

    /// The header and one row per node, the cells unescaped: the terminal table and the status
    /// page (`meridian serve`'s HTTP listener) escape them each for their own medium.
    public static func rows(_ report: StatusReport) -> [[String]] {
        let rows = chronyRows(report)
        guard report.hasCephTimeSync else { return rows }
        // Ceph's own measurement of each monitor (the leader's time check), beside Meridian's.
        return rows.enumerated().map { index, row in
            guard index > 0 else { return row.dropLast() + ["CEPH", row[row.count - 1]] }
            let cell = report.cephMonitor(report.nodes[index - 1].name).map { monitor in
                Durations.offset(monitor.skewSeconds) + (monitor.health == "HEALTH_OK" ? "" : " SKEW")
            } ?? "-"
            return row.dropLast() + [cell, row[row.count - 1]]
        }
    }

    static func chronyRows(_ report: StatusReport) -> [[String]] {
        var rows = [["NODE", "ROLE", "SOURCE", "STATE", "KEY", "CHRONY", "MEASURED", "STRAT", "LEAP", "TZ", "VERDICT"]]
        for node in report.nodes {
            let verdict = report.verdict(of: node.name)?.severity.description ?? "unknown"
            guard node.reachable else {
                rows.append([node.name, role(node), "-", "unreachable", "-", "-", "-", "-", "-", "-", verdict])
                continue
            }
            let tracking = node.parsed.tracking
            let selected = node.parsed.sources?.selected
            let source = tracking?.isLocalReference == true ? "LOCAL" : selected?.address ?? "none"
            let state = selected.map { "\($0.state.label)" } ?? (tracking?.isLocalReference == true ? "serving" : "no source")
            rows.append([
                node.name, role(node), source, state, auth(node),
                tracking.map { Durations.offset($0.offsetSeconds) } ?? "-",
                node.parsed.measuredOffsetSeconds.map(Durations.offset) ?? (node.isTimeServer ? "reference" : "-"),
                tracking.map { String($0.stratum) } ?? "-",
                tracking.map { leap($0.leapStatus) } ?? "-",
                node.parsed.timezone ?? "-", verdict,
            ])
        }
        return rows
    }

    /// The key id when chrony authenticates the selected source, "no" when it does not, "-"
    /// without a selected source. Short, so the table keeps to about 100 columns.
    static func auth(_ node: NodeReport) -> String {
        guard let selected = node.parsed.sources?.selected, let auth = node.parsed.authData else { return "-" }
        guard let source = auth.source(selected.address), source.isAuthenticated else { return "no" }
        return "\(source.keyID)"
    }

    static func role(_ node: NodeReport) -> String { node.isTimeServer ? "server" : "client" }

    static func leap(_ status: ChronyTracking.LeapStatus) -> String {
        switch status {
        case .normal: "ok"
        case .insertSecond: "+1 s"
        case .deleteSecond: "-1 s"
        case .notSynchronised: "unsync"
        }
    }
}
