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
    let versionCache = VersionCache()

    func run() -> FactsResult {
        let conf = files.readText(files.chronyConf)
        var facts = FactsResult(node: node, hostname: firstLine(runner.run(commands.hostname, timeout: .seconds(5))) ?? node)
        facts.chronyVersion = chronydVersion()
        facts.chronyConf = conf
        if let conf { (facts.foreignSourceFiles, facts.sourceDirectoriesOutsideRoot) = foreignSourceFiles(in: conf) }
        // authdata: key ids and modes per source; chronyc never prints key material there.
        (facts.tracking, facts.sources, facts.sourcestats, facts.authdata, facts.ntpdata) = chronycReports()
        facts.timezone = timezone()
        facts.quorum = quorum()
        (facts.ceph, facts.cephTimeSync) = ceph()
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

    /// The zone from the config's `show_timedate` command (`timedatectl show`) where there is
    /// one, else `root`/etc/timezone (the lab's nodes).
    func timezone() -> String? {
        if !commands.showTimedate.isEmpty {
            let show = runner.run(commands.showTimedate, timeout: .seconds(5))
            if show.succeeded, let status = try? TimedateStatus(show: show.stdout) { return status.timezone }
        }
        return files.readText(files.timezoneFile).flatMap { try? EtcTimezone.parse($0) }
    }

    /// The files chronyd would read from the `sourcedir`/`confdir` directories the current config
    /// names (`*.sources`, `*.conf`), from directories inside the agent's root only. A directory
    /// outside it (`sourcedir /etc` in a lab node's file) is reported, never listed: the agent
    /// does not become a way to list any directory on the machine.
    func foreignSourceFiles(in conf: String) -> (files: [String], outsideRoot: [String]) {
        var found: [String] = []
        var outside: [String] = []
        for (directory, suffix) in ChronyConf.sourceDirectories(in: conf) {
            guard files.contains(directory) else { outside.append(directory); continue }
            found += AtomicFile.list(directory).filter { $0.hasSuffix(suffix) }.map { "\(directory)/\($0)" }
        }
        return (found.sorted(), outside)
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
