import Testing
import TestSupport
@testable import NodeAgent

/// The agent's fallbacks for nodes without Proxmox's tools: corosync-quorumtool where pvecm is
/// not installed, nftables where neither the Proxmox firewall nor ufw filters. Real processes
/// (`cat` of captured output) stand in for the tools.
@Suite struct FactsFallbackTests {
    func facts(_ commands: AgentCommands) throws -> FactsAction {
        let root = try TemporaryDirectory("meridian-facts")
        return FactsAction(node: "pve1", commands: commands, files: ManagedFiles(root: root.path), runner: CommandRunner())
    }

    @Test func quorumFallsBackToCorosyncQuorumtoolWherePvecmIsMissing() throws {
        let fixture = FixturePath.in("ClockSyncTests", "pvecm/quorumtool-2-node-not-quorate.txt")
        var commands = AgentCommands()
        commands.quorumStatus = ["/nonexistent/pvecm", "status"]
        commands.quorumTool = ["cat", fixture]
        let output = try #require(try facts(commands).quorum())
        #expect(output.command == ["cat", fixture])
        #expect(output.stdout == (try readText(fixture)))
        commands.quorumTool = ["/nonexistent/corosync-quorumtool", "-s"]
        #expect(try facts(commands).quorum() == nil, "neither tool: no quorum fact")
    }

    @Test(arguments: [("nft-real-drop-no-ntp.txt", "blocked"), ("nft-real-drop-ntp-in-set.txt", "allowed")])
    func firewallFallsBackToNftables(file: String, verdict: String) throws {
        var commands = AgentCommands()
        commands.ufwStatus = []
        commands.nftRuleset = ["cat", FixturePath.in("ClockSyncTests", "firewall/" + file)]
        #expect(try facts(commands).firewallVerdict()?.rawValue == verdict)
        commands.nftRuleset = []
        #expect(try facts(commands).firewallVerdict() == nil)
    }
}
