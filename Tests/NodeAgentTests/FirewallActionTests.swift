import HostSystem
@testable import NodeAgent
import Testing
import TestSupport
import WireProtocol

/// `firewall.open_ntp` when ufw cannot be read (as under a sandbox without CAP_NET_ADMIN) fails
/// with ufw's own error; only a node without ufw at all has "no active firewall".
@Suite struct FirewallActionTests {
    func openNTP(ufwStatus: [String]) throws(RPCError) -> ChangeResult {
        var commands = AgentCommands()
        commands.ufwStatus = ufwStatus
        commands.ufwAllow = ["false"]
        let files = ManagedFiles(root: "/tmp/meridian-firewall-test-\(ProcessIdentity.current)")  // no Proxmox firewall there
        let runner = CommandRunner()
        let time = TimeActions(commands: commands, files: files, runner: runner,
                               facts: FactsAction(node: "pve1", commands: commands, files: files, runner: runner))
        return try time.openNTP(OpenNTPParams(subnets: ["10.77.0.0/24"]))
    }

    @Test func unreadableUFWIsAnErrorNamingUFW() {
        let failing = ["sh", "-c", "echo 'ERROR: problem running iptables: Permission denied (you must be root)' >&2; exit 1"]
        do {
            _ = try openNTP(ufwStatus: failing)
            Issue.record("open_ntp succeeded although ufw status failed")
        } catch {
            #expect(error.message.contains("ufw status"))
        }
    }

    @Test func noUFWMeansNoActiveFirewall() throws {
        let result = try openNTP(ufwStatus: ["/nonexistent/ufw", "status"])
        #expect(!result.changed)
        #expect(result.detail == "no active firewall filters NTP")
    }

    @Test func activeUFWWithoutNTPRuleGetsTheRule() throws {
        // ufw active (default deny), no NTP rule: open_ntp runs `ufw allow` — here `false`, so it fails naming it.
        #expect(throws: RPCError.self) { try openNTP(ufwStatus: ["sh", "-c", "printf 'Status: active\\n'"]) }
    }
}
