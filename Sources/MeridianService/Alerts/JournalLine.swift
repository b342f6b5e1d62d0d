import Coordinator

/// An event as one journal line: `<2>meridian: node2 ok -> critical: node2: 1.020 s fast of node1`.
///
/// The prefix is sd-daemon(3)'s: journald (and syslog) reads `<N>` at the start of a line on a
/// service's stderr as its priority — 2 crit for critical and unreachable, 4 warning for warning
/// and unknown, 5 notice for a recovery to ok (worth seeing, not a problem). Names and reasons
/// come from agents and cluster files, so they are escaped (`TerminalText`): one event, one line.
public enum JournalLine {
    public static func priority(_ event: AlertEvent) -> Int {
        switch event.to {
        case .critical, .unreachable: 2
        case .warning, .unknown: 4
        case .ok: 5
        }
    }

    public static func render(_ event: AlertEvent) -> String {
        let subject = event.node ?? "cluster \(event.cluster)"
        var text: String
        switch event.kind {
        case .verdictChanged: text = "\(subject) \(event.from) -> \(event.to)"
        case .reminder: text = "\(subject) still \(event.to) (reminder)"
        }
        if event.isRecovery { text += " (recovered)" }
        if !event.reasons.isEmpty { text += ": " + event.reasons.joined(separator: "; ") }
        return "<\(priority(event))>meridian: " + TerminalText.escaped(text)
    }
}
