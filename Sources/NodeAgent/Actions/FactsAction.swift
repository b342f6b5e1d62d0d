import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// `node.facts`: what a careful admin would look at before and after touching time sync.
struct FactsAction: Sendable {
    let node: String
    let commands: AgentCommands
    let files: ManagedFiles
    let runner: CommandRunner

    func run() -> FactsResult {
        let conf = files.readText(files.chronyConf)
        var facts = FactsResult(node: node, hostname: firstLine(runner.run(commands.hostname, timeout: .seconds(5))) ?? node)
        facts.chronyVersion = firstLine(runner.run(commands.chronydVersion, timeout: .seconds(5)))
        facts.chronyConf = conf
        facts.foreignSourceFiles = conf.map(foreignSourceFiles(in:)) ?? []
        facts.tracking = runner.run(commands.chronyc + ["-c", "tracking"], timeout: .seconds(5))
        facts.sources = runner.run(commands.chronyc + ["-c", "sources"], timeout: .seconds(5))
        facts.sourcestats = runner.run(commands.chronyc + ["-c", "sourcestats"], timeout: .seconds(5))
        facts.timezone = timezone()
        facts.quorum = quorum()
        facts.ceph = present(runner.run(commands.cephStatus, timeout: .seconds(10)))
        facts.otherTimeDaemons = commands.isActive.isEmpty ? [] : commands.otherTimeDaemons.filter {
            runner.run(commands.isActive + [$0], timeout: .seconds(5)).succeeded
        }
        facts.firewall = firewallVerdict()?.rawValue
        return facts
    }

    /// `pvecm status`, else `corosync-quorumtool -s` where pvecm is not installed; nil where
    /// neither is. The output's `command` tells the coordinator which parser to use.
    func quorum() -> CommandOutput? {
        present(runner.run(commands.quorumStatus, timeout: .seconds(10))) ?? present(runner.run(commands.quorumTool, timeout: .seconds(10)))
    }

    /// The Proxmox firewall when it is on, else ufw when it is active, else nftables when its
    /// input chain drops; nil when none filters.
    func firewallVerdict() -> FirewallVerdict? {
        if let text = files.readText(files.proxmoxFirewall) {
            let verdict = FirewallRules.proxmox(text)
            if verdict != .notFiltering { return verdict }
        }
        let ufw = runner.run(commands.ufwStatus, timeout: .seconds(10))
        if ufw.succeeded, let verdict = try? FirewallRules.ufw(ufw.stdout), verdict != .notFiltering { return verdict }
        let nft = runner.run(commands.nftRuleset, timeout: .seconds(10))
        guard nft.succeeded else { return nil }
        let verdict = FirewallRules.nftables(nft.stdout)
        return verdict == .notFiltering ? nil : verdict
    }

    /// The zone from timedatectl where there is one, else /etc/timezone (the lab's nodes).
    func timezone() -> String? {
        if !commands.setTimezone.isEmpty {
            let show = runner.run(["timedatectl", "show"], timeout: .seconds(5))
            if show.succeeded, let status = try? TimedateStatus(show: show.stdout) { return status.timezone }
        }
        return files.readText(files.timezoneFile).flatMap { try? EtcTimezone.parse($0) }
    }

    /// Files in the directories the current config names with `sourcedir` or `confdir`.
    func foreignSourceFiles(in conf: String) -> [String] {
        var found: [String] = []
        for line in conf.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, words[0] == "sourcedir" || words[0] == "confdir" else { continue }
            for directory in words.dropFirst() {
                found += AtomicFile.list(String(directory)).map { "\(directory)/\($0)" }
            }
        }
        return found.sorted()
    }

    func firstLine(_ output: CommandOutput) -> String? {
        guard output.succeeded else { return nil }
        return output.stdout.split(separator: "\n").first.map(String.init)
    }

    /// A tool that is not installed is not a fact; a tool that ran and failed is.
    func present(_ output: CommandOutput) -> CommandOutput? {
        output.status == 127 ? nil : output
    }
}
