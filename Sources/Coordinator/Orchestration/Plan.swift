import ClockSync
import SecureTransport
import WireProtocol

/// `meridian plan`: per node, what `apply` would change. Changes nothing. The chrony.conf diff
/// is between the file as it is and the file the agent itself renders for the cluster file's
/// intent (`chrony.preview`): the plan shows exactly what `apply` would write.
public struct PlanEntry: Sendable, Encodable {
    public var node: String
    public var role: ChronyIntent.Role
    public var reachable: Bool
    public var chronyDiff: String
    public var timezoneChange: String?
    /// The keyfile change in words, ids only ("2 client keys, 1 peer key (ids 1-3), new");
    /// nil when the node's keys stay as they are.
    public var keysChange: String?
    public var actions: [String]
    /// Set when the node is unreachable or its chrony.conf cannot be planned; then there is no
    /// diff and no action, and the plan fails.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case node, role, reachable, actions, error
        case chronyDiff = "chrony_diff"
        case timezoneChange = "timezone_change"
        case keysChange = "keys_change"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node, forKey: .node)
        try c.encode(role.rawValue, forKey: .role)
        try c.encode(reachable, forKey: .reachable)
        try c.encode(chronyDiff, forKey: .chronyDiff)
        try c.encodeIfPresent(timezoneChange, forKey: .timezoneChange)
        try c.encodeIfPresent(keysChange, forKey: .keysChange)
        try c.encode(actions, forKey: .actions)
        try c.encodeIfPresent(error, forKey: .error)
    }
}

public enum Plan {
    /// The survey a plan needs: facts, clocks, and every agent's rendering of its intent.
    /// With `ntp_auth: keys` and no key store yet, the keys `apply` would make are made here in
    /// memory only (same ids, so the diff is exact) and never saved.
    public static func survey(_ cluster: ClusterFile, context: TLSContext) async -> [NodeReport] {
        var options = Survey.Options()
        options.previewChrony = true
        options.keys = try? NTPKeyStore.prepare(for: cluster, save: false)
        return await Survey.run(cluster, context: context, options: options)
    }

    public static func build(_ cluster: ClusterFile, from survey: [NodeReport]) -> [PlanEntry] {
        survey.map { report in
            let name = report.name
            let role = report.role
            func failed(_ error: String, reachable: Bool) -> PlanEntry {
                PlanEntry(node: name, role: role, reachable: reachable, chronyDiff: "", timezoneChange: nil, keysChange: nil, actions: [], error: error)
            }
            guard let facts = report.facts else { return failed(report.error ?? "no facts", reachable: false) }
            // A file that cannot be rendered is an error, never a diff against an empty file.
            guard let preview = report.chronyPreview else {
                return failed("cannot plan chrony.conf: \(report.previewError ?? "the survey did not ask the agent for chrony.preview")", reachable: true)
            }
            let diff = preview.changed ? ConfigDiff.unified(old: preview.current ?? "", new: preview.config,
                                                            oldLabel: "\(name):\(ChronyConf.path) (current)",
                                                            newLabel: "\(name):\(ChronyConf.path) (planned)") : ""
            var actions: [String] = []
            for daemon in facts.otherTimeDaemons { actions.append("stop and disable \(daemon)") }
            let keys = preview.keys.flatMap { keysChange($0, role: role) }
            if let keys { actions.append(keys.hasSuffix("removed") ? "remove chrony.keys (\(keys))" : "write chrony.keys, mode 0640 group _chrony (keys: \(keys))") }
            if preview.changed {
                actions.append("write chrony.conf (backup kept), restart chrony, wait until it \(role == .server ? "serves" : "selected a time server")")
            }
            let zone = facts.timezone == cluster.timezone.description ? nil : "\(facts.timezone ?? "unknown") → \(cluster.timezone)"
            if let zone { actions.append("set timezone \(zone)") }
            if role == .server && cluster.options.rtcSync && preview.changed { actions.append("set the RTC from the system clock") }
            return PlanEntry(node: name, role: role, reachable: true, chronyDiff: diff, timezoneChange: zone, keysChange: keys, actions: actions, error: nil)
        }
    }

    /// "2 client keys, 1 peer key (ids 1-3), rotated (was ids 1-3)": counts and ids, never keys.
    static func keysChange(_ keys: ChronyPreviewResult.KeysPreview, role: ChronyIntent.Role) -> String? {
        guard keys.changed else { return nil }
        let planned = keys.plannedIDs
        guard !planned.isEmpty else { return "\(keys.currentIDs.count) keys (\(ChronyKeyFile.describe(ids: keys.currentIDs))) removed" }
        let what = role == .server
            ? "\(planned.count - 1) client key\(planned.count == 2 ? "" : "s"), 1 peer key (\(ChronyKeyFile.describe(ids: planned)))"
            : "its own key (\(ChronyKeyFile.describe(ids: planned)))"
        let how = keys.currentIDs.isEmpty ? "new"
            : keys.currentIDs == planned ? "same ids, new material"
            : "rotated (was \(ChronyKeyFile.describe(ids: keys.currentIDs)))"
        return "\(what), \(how)"
    }

    public static func render(_ entries: [PlanEntry]) -> String {
        // Errors, actions and the diff carry agents' text: escaped, the diff line by line.
        let safe: (String) -> String = { TerminalText.escaped($0) }
        var text = ""
        for entry in entries {
            text += "== \(safe(entry.node)) (\(entry.role.rawValue))\n"
            if let error = entry.error { text += "  \(entry.reachable ? "error" : "unreachable"): \(safe(error))\n\n"; continue }
            if entry.actions.isEmpty { text += "  nothing to change\n\n"; continue }
            for action in entry.actions { text += "  - \(safe(action))\n" }
            if !entry.chronyDiff.isEmpty { text += TerminalText.escapedLines(entry.chronyDiff) }
            text += "\n"
        }
        let changing = entries.filter { !$0.actions.isEmpty }.count
        let failed = entries.filter { $0.error != nil }.count
        if failed > 0 {
            text += "\(failed) of \(entries.count) nodes cannot be planned (see above)"
            if changing > 0 { text += "; \(changing) would change" }
        } else {
            text += changing == 0 ? "nothing to change: every node matches the cluster file" : "\(changing) of \(entries.count) nodes would change"
        }
        return text
    }
}
