import ClockSync
import JSONCore

/// `meridian check`: the status JSON (`meridian status --json`, the service's /api/v1/status)
/// as one monitoring-plugin line and an exit state, e.g.
/// `MERIDIAN WARNING - node3 31 ms fast of node1 | node1=0s;0.025;0.05 node3=0.031s;0.025;0.05`.
///
/// A node's offset is held against `-w`/`-c`; a node that did not answer is critical, one that
/// answered without a measurement unknown, a client that follows no time server critical. When
/// the thresholds are the cluster file's own (no `-w`/`-c`), the cluster's verdict counts too
/// (timezone, firewall, foreign sources…); with explicit thresholds only the offsets decide, as
/// check_ntp_time does.
public enum PluginCheck {
    public struct Result: Sendable, Equatable {
        public var severity: Severity
        public var line: String
    }

    public static func evaluate(status: JSONValue, warning: Double, critical: Double, includeVerdict: Bool) -> Result {
        guard let nodes = status["nodes"]?.arrayValue, !nodes.isEmpty else {
            return Result(severity: .unknown, line: "MERIDIAN UNKNOWN - the status names no nodes")
        }
        let reference = nodes.first { $0["role"]?.stringValue == "server" && $0["reachable"]?.boolValue == true }?["name"]?.stringValue
            ?? nodes.first { $0["role"]?.stringValue == "server" }?["name"]?.stringValue ?? "the time server"
        var problems: [(Severity, String)] = []
        /// Listed after the offsets and unreachable nodes of the same severity: the headline is the clock.
        var secondary: [(Severity, String)] = []
        var perfdata: [String] = []
        var largest: (String, Double)?
        for node in nodes {
            let name = node["name"]?.stringValue ?? "?"
            let offset = node["offset_seconds"]?.doubleValue.flatMap { $0.isFinite && abs($0) < 1e9 ? $0 : nil }
            perfdata.append("\(label(name))=\(offset.map { seconds($0) + "s" } ?? "U");\(seconds(warning));\(seconds(critical))")
            if node["reachable"]?.boolValue != true {
                problems.append((.critical, "\(name) unreachable"))
                continue
            }
            guard let offset else {
                problems.append((.unknown, "\(name) offset unknown"))
                continue
            }
            if largest.map({ abs(offset) > abs($0.1) }) ?? true { largest = (name, offset) }
            let magnitude = abs(offset)
            let direction = "\(name) \(Durations.duration(magnitude)) \(offset < 0 ? "slow" : "fast") of \(reference)"
            if magnitude >= critical { problems.append((.critical, direction)) } else if magnitude >= warning { problems.append((.warning, direction)) }
            if node["synced"]?.boolValue == false { secondary.append((.critical, "\(name) not synced")) }
        }
        problems += secondary
        if includeVerdict, let verdict = status["verdict"]?.stringValue,
           let severity = Severity.allCases.first(where: { $0.description == verdict }), severity != .ok,
           !problems.contains(where: { $0.0 == severity }) {
            let reasons = (status["cluster_reasons"]?.arrayValue ?? []) + nodes.flatMap { $0["reasons"]?.arrayValue ?? [] }
            problems.append((severity, reasons.first?.stringValue ?? "cluster \(verdict)"))
        }
        let severity = Severity.worst(problems.map(\.0))
        // The worst first (critical, unknown, warning), in node order within each.
        func rank(_ severity: Severity) -> Int { severity == .critical ? 0 : severity == .unknown ? 1 : 2 }
        let ordered = problems.enumerated().sorted { (rank($0.element.0), $0.offset) < (rank($1.element.0), $1.offset) }.map(\.element)
        let summary: String
        if ordered.isEmpty {
            let extent = largest.map { "largest offset \(Durations.duration(abs($0.1))) (\($0.0))" } ?? "no offsets"
            summary = "\(nodes.count) nodes within \(Durations.duration(warning)) of \(reference), \(extent)"
        } else {
            summary = ordered.filter { $0.0 != .ok }.map(\.1).joined(separator: ", ")
        }
        return Result(severity: severity, line: "MERIDIAN \(severity.description.uppercased()) - \(oneLine(summary)) | \(perfdata.joined(separator: " "))")
    }

    /// Perfdata labels: quoted (`'a b'=…`, a quote doubled) when they hold a space, `=` or a quote.
    static func label(_ name: String) -> String {
        let clean = oneLine(name.replacingAll("|", with: "_"))
        guard clean.contains(where: { $0 == " " || $0 == "=" || $0 == "'" }) else { return clean }
        return "'" + clean.replacingAll("'", with: "''") + "'"
    }

    /// Seconds with at most six decimals, trailing zeros dropped: `0`, `0.031`, `-2.5`.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "U" }
        let micro = Int64((value * 1e6).rounded())
        let magnitude = micro.magnitude
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (micro < 0 ? "-" : "") + "\(magnitude / 1_000_000)" + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// A plugin prints one line; `|` would start the perfdata early.
    public static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) }.map { $0 == "|" ? "/" : $0 })
    }
}
