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
        guard TimezoneName(params.timezone) != nil, AtomicFile.isRegularFile("/usr/share/zoneinfo/" + params.timezone) else {
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

    func syncRTC() throws(RPCError) -> ChangeResult {
        guard !commands.hwclockSystohc.isEmpty else { return ChangeResult(changed: false, detail: "no RTC command on this node") }
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
    func setClock(_ params: SetClockParams) throws(RPCError) -> ChangeResult {
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
}
