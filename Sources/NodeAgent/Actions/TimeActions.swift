import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// Timezone, RTC, cluster services and competing time daemons: each a fixed command from the
/// agent config, never one named by the request.
struct TimeActions: Sendable {
    let commands: AgentCommands
    let files: ManagedFiles
    let runner: CommandRunner
    let facts: FactsAction

    func setTimezone(_ params: TimezoneParams) throws(RPCError) -> ChangeResult {
        // A real zone: a compiled TZif file, not leapseconds/posixrules/right/… (ClockSync's check).
        guard let zone = TimezoneName(params.timezone),
              zone.isInstalled(reading: { AtomicFile.isRegularFile($0) ? (try? AtomicFile.read($0, limit: 1 << 20)) ?? nil : nil }) else {
            throw RPCError.invalidParams("timezone \"\(params.timezone)\" is not in this node's tz database")
        }
        if facts.timezone() == params.timezone { return ChangeResult(changed: false, detail: "already \(params.timezone)") }
        if commands.setTimezone.isEmpty {
            do {
                try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: files.timezoneFile))
                try AtomicFile.write(Array((params.timezone + "\n").utf8), to: files.timezoneFile)
            } catch { throw RPCError(code: RPCError.actionFailed, message: "cannot write \(files.timezoneFile): \(error)") }
        } else {
            try check(runner.run(commands.setTimezone + [params.timezone]), "set timezone")
        }
        return ChangeResult(changed: true, detail: "timezone set to \(params.timezone)")
    }

    /// A node without an RTC (a container, some VMs) has nothing to set: that is reported and
    /// skipped, not a failure that would stop the apply (hwclock there fails with "Cannot access
    /// the Hardware Clock via any known method").
    func syncRTC() throws(RPCError) -> ChangeResult {
        guard !commands.hwclockSystohc.isEmpty else { return ChangeResult(changed: false, detail: "no RTC command on this node") }
        guard files.hasRTC else { return ChangeResult(changed: false, detail: "no RTC on this node (no /dev/rtc*); hwclock skipped") }
        try check(runner.run(commands.hwclockSystohc), "sync the RTC")
        return ChangeResult(changed: true, detail: "RTC set from the system clock")
    }

    func restart(_ params: ServiceParams) throws(RPCError) -> ChangeResult {
        let argv: [String]
        switch params.service {
        case "chrony": argv = commands.restartChrony
        case "corosync": argv = commands.restartCorosync
        case "pve-cluster": argv = commands.restartPveCluster
        default: throw RPCError.invalidParams("service must be chrony, corosync or pve-cluster, got \"\(params.service)\"")
        }
        try check(runner.run(argv, timeout: .seconds(60)), "restart \(params.service)")
        return ChangeResult(changed: true, detail: "\(params.service) restarted")
    }

    func disableOtherTimeDaemons() throws(RPCError) -> ChangeResult {
        let active = facts.run().otherTimeDaemons
        guard !active.isEmpty else { return ChangeResult(changed: false, detail: "no other time daemon active") }
        for unit in active { try check(runner.run(commands.disableNow + [unit]), "stop and disable \(unit)") }
        return ChangeResult(changed: true, detail: "stopped and disabled \(active.joined(separator: ", "))")
    }

    /// chrony's manual input (`chronyc settime`, needs `manual` in the config): chrony learns the
    /// step instead of fighting a `date -s`. The time is given in UTC.
    /// A time outside 2000-01-01…2200-01-01 is refused (-32602) before anything runs.
    func setClock(_ params: SetClockParams) throws(RPCError) -> ChangeResult {
        let range = Timestamp.settableSeconds
        guard range.contains(params.time.seconds) else {
            throw RPCError.invalidParams(
                "field \"time.sec\" must be in \(range.lowerBound)...\(range.upperBound) (2000-01-01 to 2200-01-01 UTC), got \(params.time.seconds)")
        }
        let text = CivilTime.chronyText(epochSeconds: params.time.seconds)
        guard !commands.setClock.isEmpty else { throw RPCError(code: RPCError.actionFailed, message: "no clock command on this node") }
        try check(runner.run(commands.setClock + [text], extraEnvironment: ["TZ": "UTC"]), "set the clock to \(text) UTC")
        return ChangeResult(changed: true, detail: "clock set to \(text) UTC through chrony")
    }

    func check(_ output: CommandOutput, _ what: String) throws(RPCError) {
        guard output.succeeded else {
            throw RPCError(code: RPCError.actionFailed,
                           message: "\(what) failed (\(output.command.joined(separator: " ")): exit \(output.status)\(output.timedOut ? ", timed out" : ""))",
                           data: try? RPCCodec.encode(ActionFailure(stage: what, rolledBack: false, evidence: [output])))
        }
    }

    /// Lets NTP in from the cluster's subnets in the firewall that is active: a rule in the
    /// Proxmox firewall's cluster.fw (written atomically, previous file kept), or `ufw allow`.
    func openNTP(_ params: OpenNTPParams) throws(RPCError) -> ChangeResult {
        let subnets = params.subnets.compactMap(CIDR.init)
        guard !subnets.isEmpty, subnets.count == params.subnets.count else {
            throw RPCError.invalidParams("subnets must be CIDR subnets, got \(params.subnets)")
        }
        guard let verdict = facts.firewallVerdict() else {
            // ufw is there but cannot be read (seen: the agent's sandbox without CAP_NET_ADMIN):
            // say so with its stderr instead of claiming that no firewall filters NTP.
            let ufw = runner.run(commands.ufwStatus, timeout: .seconds(10))
            if !ufw.succeeded && ufw.status != 127 { try check(ufw, "read the firewall (ufw status)") }
            return ChangeResult(changed: false, detail: "no active firewall filters NTP")
        }
        if verdict == .allowed { return ChangeResult(changed: false, detail: "NTP (UDP 123) already allowed") }
        if let text = files.readText(files.proxmoxFirewall), FirewallRules.proxmox(text) == .blocked {
            let rules = subnets.map { "IN ACCEPT -source \($0) -p udp -dport 123 # Meridian: NTP for the cluster" }
            let updated = ProxmoxFirewallFile.adding(rules, to: text)
            do {
                try AtomicFile.write(Array(text.utf8), to: files.proxmoxFirewall + ".meridian-backup", mode: 0o640)
                try AtomicFile.write(Array(updated.utf8), to: files.proxmoxFirewall, mode: 0o640)
            } catch { throw RPCError(code: RPCError.actionFailed, message: "cannot write \(files.proxmoxFirewall): \(error)") }
            return ChangeResult(changed: true, detail: "Proxmox firewall: \(rules.count) NTP rule(s) added to cluster.fw")
        }
        for subnet in subnets {
            try check(runner.run(commands.ufwAllow + ["from", subnet.description, "to", "any", "port", "123", "proto", "udp"]), "ufw allow NTP from \(subnet)")
        }
        return ChangeResult(changed: true, detail: "ufw: NTP allowed from \(subnets.map(\.description).joined(separator: ", "))")
    }
}

/// Adds rules at the end of the `[RULES]` section of a Proxmox firewall file (creating it).
enum ProxmoxFirewallFile {
    static func adding(_ rules: [String], to text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let start = lines.firstIndex(where: { $0.trimmingWhitespace.uppercased() == "[RULES]" }) else {
            return lines.joined(separator: "\n") + "\n\n[RULES]\n\n" + rules.joined(separator: "\n") + "\n"
        }
        var end = lines.index(after: start)
        while end < lines.endIndex, !lines[end].hasPrefix("[") { end += 1 }
        var insertAt = end
        while insertAt > start + 1, lines[insertAt - 1].trimmingWhitespace.isEmpty { insertAt -= 1 }
        lines.insert(contentsOf: rules, at: insertAt)
        return lines.joined(separator: "\n") + "\n"
    }
}
