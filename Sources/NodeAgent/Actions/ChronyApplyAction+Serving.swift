import HostSystem
import ClockSync
import WireProtocol

/// Whether a time server's chronyd really holds NTP's port after a restart. chronyd 4.3 that
/// cannot bind UDP 123 (another process has it) does not exit: it logs "Could not open NTP
/// socket on 0.0.0.0:123", runs on its local clock and so looks like a serving time server
/// while no client can reach it (seen in the container lab). A freshly started chronyd always
/// opens new sockets; if after the restart every socket on UDP 123 was already there before it,
/// someone else holds the port.
extension ChronyApplyAction {
    /// Only a real node's default port is checked (the loopback lab's chronyds bind their own
    /// address and port, and several share the machine).
    var checksNTPPort: Bool { local.lab == nil }

    /// Inodes of the sockets bound to local UDP port 123 in this network namespace, from
    /// /proc/net/udp and udp6; nil when neither can be read.
    func ntpPortSockets() -> Set<String>? {
        var found: Set<String>?
        for path in ["/proc/net/udp", "/proc/net/udp6"] {
            guard let text = files.readText(path) else { continue }
            found = (found ?? []).union(NTPPortSockets.inodes(procNetUDP: text, port: 123))
        }
        return found
    }

    /// The evidence that chronyd does not serve, or nil when nothing shows that.
    func ntpPortTakenByAnother(before: Set<String>?) -> CommandOutput? {
        guard let before, let after = ntpPortSockets(), !after.isEmpty, after.isSubset(of: before) else { return nil }
        return CommandOutput(command: ["/proc/net/udp", "/proc/net/udp6"], status: 1,
                             stdout: "UDP port 123 sockets (inodes) before the restart: \(before.sorted().joined(separator: " ")); after: \(after.sorted().joined(separator: " "))\n",
                             stderr: "chronyd opened no socket on UDP 123: another process already holds it, so this time server cannot serve\n",
                             timedOut: false)
    }
}

/// The pure part: `/proc/net/udp` lines → inodes of sockets whose local port is `port`.
enum NTPPortSockets {
    static func inodes(procNetUDP text: String, port: Int) -> Set<String> {
        let hexPort = String(port, radix: 16, uppercase: true)
        let wanted = String(repeating: "0", count: max(0, 4 - hexPort.count)) + hexPort
        var inodes: Set<String> = []
        for line in text.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
            let fields = line.split(separator: " ")
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":") else { continue }
            if fields[1][fields[1].index(after: colon)...].uppercased() == wanted, fields[9] != "0" { inodes.insert(String(fields[9])) }
        }
        return inodes
    }
}
