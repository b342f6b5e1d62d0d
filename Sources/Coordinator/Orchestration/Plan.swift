import ClockSync

/// `meridian plan`: per node, what `apply` would change. Changes nothing.
public struct PlanEntry: Sendable, Encodable {
    public var node: String
    public var role: String
    public var reachable: Bool
    public var chronyDiff: String
    public var timezoneChange: String?
    public var actions: [String]
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case node, role, reachable, actions, error
        case chronyDiff = "chrony_diff"
        case timezoneChange = "timezone_change"
    }
}

public enum Plan {
    public static func build(_ cluster: ClusterFile, from survey: [NodeReport]) -> [PlanEntry] {
        survey.map { report in
            let name = report.name
            let role = report.isTimeServer ? "server" : "client"
            guard let facts = report.facts else {
                return PlanEntry(node: name, role: role, reachable: false, chronyDiff: "", timezoneChange: nil, actions: [], error: report.error)
            }
            let rendered = (try? ChronyConf.render(for: name, in: cluster)) ?? ""
            let current = facts.chronyConf ?? ""
            let diff = ConfigDiff.unified(old: current, new: rendered, oldLabel: "\(name):/etc/chrony/chrony.conf (current)",
                                          newLabel: "\(name):/etc/chrony/chrony.conf (planned)")
            var actions: [String] = []
            for daemon in facts.otherTimeDaemons { actions.append("stop and disable \(daemon)") }
            if !diff.isEmpty {
                actions.append("write chrony.conf (backup kept), restart chrony, wait until it \(report.isTimeServer ? "serves" : "selected a time server")")
            }
            let zone = facts.timezone == cluster.timezone.description ? nil : "\(facts.timezone ?? "unknown") → \(cluster.timezone)"
            if let zone { actions.append("set timezone \(zone)") }
            if report.isTimeServer && cluster.options.rtcSync && !diff.isEmpty { actions.append("set the RTC from the system clock") }
            return PlanEntry(node: name, role: role, reachable: true, chronyDiff: diff, timezoneChange: zone, actions: actions, error: nil)
        }
    }

    public static func render(_ entries: [PlanEntry]) -> String {
        // Errors, actions and the diff carry agents' text: escaped, the diff line by line.
        let safe: (String) -> String = { TerminalText.escaped($0) }
        var text = ""
        for entry in entries {
            text += "== \(safe(entry.node)) (\(entry.role))\n"
            if let error = entry.error { text += "  unreachable: \(safe(error))\n\n"; continue }
            if entry.actions.isEmpty { text += "  nothing to change\n\n"; continue }
            for action in entry.actions { text += "  - \(safe(action))\n" }
            if !entry.chronyDiff.isEmpty { text += TerminalText.escapedLines(entry.chronyDiff) }
            text += "\n"
        }
        let changing = entries.filter { !$0.actions.isEmpty }.count
        text += changing == 0 ? "nothing to change: every reachable node matches the cluster file" : "\(changing) of \(entries.count) nodes would change"
        return text
    }
}
