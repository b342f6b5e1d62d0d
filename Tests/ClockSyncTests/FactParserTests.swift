@testable import ClockSync
import Testing

@Suite struct FactParserTests {
    @Test func pvecmThreeNodesQuorate() throws {
        let status = try QuorumStatus(pvecmStatus: try fixture("pvecm/status-3-nodes-quorate.txt"))
        #expect(status.quorate)
        #expect(status.expectedVotes == 3 && status.totalVotes == 3 && status.quorum == 2)
        #expect(status.members.map(\.name) == ["192.168.1.101", "192.168.1.102", "192.168.1.103"])
        #expect(status.members.first?.isLocal == true)
    }

    @Test func pvecmWithClusterInformationHeader() throws {
        let status = try QuorumStatus(pvecmStatus: try fixture("pvecm/status-1-node-with-cluster-info.txt"))
        #expect(status.quorate && status.members.count == 1)
    }

    @Test func quorumtoolNotQuorateWithQdeviceColumn() throws {
        let status = try QuorumStatus(quorumtool: try fixture("pvecm/quorumtool-2-node-not-quorate.txt"))
        #expect(!status.quorate)
        #expect(status.expectedVotes == 2 && status.totalVotes == 1 && status.quorum == 1)
        #expect(status.members.first?.name == "master-0.ostest.test.metalkube.org")
    }

    /// The agent falls back to corosync-quorumtool where pvecm is missing; the argv it reports
    /// picks the parser.
    @Test func quorumOutputIsParsedByTheProgramThatPrintedIt() throws {
        let tool = try QuorumStatus(try fixture("pvecm/quorumtool-2-node-not-quorate.txt"), printedBy: ["/usr/sbin/corosync-quorumtool", "-s"])
        #expect(!tool.quorate && tool.totalVotes == 1)
        let pvecm = try QuorumStatus(try fixture("pvecm/status-3-nodes-quorate.txt"), printedBy: ["pvecm", "status"])
        #expect(pvecm.quorate && pvecm.members.count == 3)
        let error = #expect(throws: ParseError.self) { try QuorumStatus("Quorate: Maybe\n", printedBy: ["corosync-quorumtool", "-s"]) }
        #expect(error?.description.hasPrefix("corosync-quorumtool -s") == true, "\(error?.description ?? "")")
    }

    @Test(arguments: malformedInputs + ["Quorate: Maybe\nExpected votes: 3\nTotal votes: 3\nMembership information\n"])
    func quorumRejectsMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try QuorumStatus(pvecmStatus: text) }
    }

    @Test func cephClockSkewCheckWithDetail() throws {
        let status = try CephStatus(json: try fixture("ceph/status-clock-skew.json"))
        #expect(status.status == "HEALTH_WARN")
        let skew = try #require(status.clockSkew)
        #expect(skew.details.count == 2)
        #expect(skew.details[0].contains("clock skew 0.632786s > max 0.05s"))
        #expect(try CephStatus(json: try fixture("ceph/status-ok.json")).clockSkew == nil)
    }

    @Test(arguments: malformedInputs + [#"{"health": {"status": "FINE"}}"#, "[1,2]"])
    func cephRejectsMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try CephStatus(json: text) }
    }

    @Test func timedatectlAndEtcTimezone() throws {
        let status = try TimedateStatus(show: try fixture("timedatectl/show-berlin-synced.txt"))
        #expect(status.timezone == "Europe/Berlin")
        #expect(status.ntpSynchronized)
        #expect(try EtcTimezone.parse("Europe/Berlin\n") == "Europe/Berlin")
        #expect(throws: ParseError.self) { try TimedateStatus(show: "Timezone\nfoo") }
        #expect(throws: ParseError.self) { try EtcTimezone.parse("Europe/Berlin\nUTC\n") }
        #expect(throws: ParseError.self) { try EtcTimezone.parse("Europe/../etc") }
    }

    @Test func firewalls() throws {
        #expect(FirewallRules.proxmox(try fixture("firewall/cluster-ntp-allowed.fw")) == .allowed)
        #expect(FirewallRules.proxmox(try fixture("firewall/cluster-ntp-missing.fw")) == .blocked)
        #expect(FirewallRules.proxmox("[OPTIONS]\nenable: 0\n") == .notFiltering)
        #expect(try FirewallRules.ufw(try fixture("firewall/ufw-active-ntp.txt")) == .allowed)
        #expect(try FirewallRules.ufw(try fixture("firewall/ufw-active-no-ntp.txt")) == .blocked)
        #expect(try FirewallRules.ufw("Status: inactive\n") == .notFiltering)
        #expect(throws: ParseError.self) { try FirewallRules.ufw("") }
        #expect(FirewallRules.nftables(try fixture("firewall/nft-drop-with-ntp.txt")) == .allowed)
        let withoutNTP = try fixture("firewall/nft-drop-with-ntp.txt").split(separator: "\n").filter { !$0.contains("123") }.joined(separator: "\n")
        #expect(FirewallRules.nftables(withoutNTP) == .blocked)
        #expect(FirewallRules.nftables("") == .notFiltering)
    }

    /// `nft list ruleset` as nftables 1.0.6 prints it, captured here in a private network
    /// namespace (fixtures firewall/nft-real-*).
    @Test(arguments: [
        ("nft-real-drop-ntp-in-set.txt", FirewallVerdict.allowed),
        ("nft-real-drop-ntp-from-subnet.txt", .allowed),
        ("nft-real-drop-no-ntp.txt", .blocked),
    ])
    func nftablesOnCapturedRulesets(file: String, verdict: FirewallVerdict) throws {
        #expect(FirewallRules.nftables(try fixture("firewall/" + file)) == verdict)
    }

    @Test func corosyncNodelist() throws {
        let nodes = try CorosyncConf.nodes(in: try fixture("corosync/corosync.conf"))
        #expect(nodes.map(\.name) == ["pve1", "pve2", "pve3"])
        #expect(nodes.map(\.ring0Address) == ["192.168.1.10", "192.168.1.11", "192.168.1.12"])
        #expect(throws: ParseError.self) { try CorosyncConf.nodes(in: "nodelist {\n node {\n name: a\n }\n}\n") }
        #expect(throws: ParseError.self) { try CorosyncConf.nodes(in: "totem {\n") }
        #expect(throws: ParseError.self) { try CorosyncConf.nodes(in: "") }
    }
}
