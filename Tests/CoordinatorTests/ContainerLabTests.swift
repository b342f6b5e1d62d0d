@testable import Coordinator
import HostSystem
import Testing
import TestSupport

/// The pure parts of the container lab: what it writes into a node and how it starts one.
/// (The lab itself runs in scripts/test-container-lab.sh: it needs root and systemd-nspawn.)
@Suite(.offPool) struct ContainerLabTests {
    @Test func bootCommandNeverGrantsClockControl() {
        let argv = ContainerNode.bootCommand(ContainerLabLayout(directory: "/tmp/x"), node: "node1")
        let capabilities = argv.filter { $0.hasPrefix("--capability") }
        #expect(capabilities == ["--capability=CAP_NET_ADMIN"])
        #expect(!argv.contains { $0.uppercased().contains("SYS_TIME") || $0.lowercased() == "--capability=all" })
        #expect(argv.contains("-b") && argv.contains("--register=no") && argv.contains("--keep-unit") && argv.contains("--timezone=off"))
        #expect(argv.contains("--network-namespace-path=/run/netns/mrdn-node1"))
        #expect(argv.contains("--resolv-conf=off"))
    }

    @Test func execDropsClockControlThatNsenterWouldKeep() {
        let argv = ContainerNode.exec(42, ["date"])
        let setpriv = argv.firstIndex(of: "setpriv")
        #expect(setpriv != nil && argv.last == "date")
        #expect(argv.contains { $0.hasPrefix("--bounding-set=") && $0.contains("-sys_time") })
        #expect(argv.contains { $0.hasPrefix("--inh-caps=") && $0.contains("-sys_time") })
    }

    @Test(arguments: [
        ("DAEMON_OPTS=\"-F 1\"", "DAEMON_OPTS=\"-F 1 -x\""),
        ("DAEMON_OPTS=\"-F 1 -x\"", "DAEMON_OPTS=\"-F 1 -x\""),
        ("# comment\nDAEMON_OPTS=\"\"\n", "# comment\nDAEMON_OPTS=\"-x\"\n"),
    ])
    func chronyDefaultsGetMinusXOnce(debian: String, expected: String) throws {
        #expect(try ContainerNodeFiles.chronyDefaults(debian) == expected)
    }

    @Test func chronyDefaultsWithoutOptionsLineIsAnError() {
        #expect(throws: CoordinatorError.self) { try ContainerNodeFiles.chronyDefaults("# nothing here\n") }
    }

    @Test func chronyDropInClearsTheCapabilityConditionAndSetsTheFakeClock() {
        let dropIn = ContainerNodeFiles.chronyDropIn(timestampShim: true)
        #expect(dropIn.contains("\nConditionCapability=\n"))
        #expect(dropIn.contains("FAKETIME_TIMESTAMP_FILE=/meridian-lab/offset"))
        #expect(dropIn.contains("libfaketime.so.1 /meridian-lab/libMeridianLabTimestampShim.so"))
    }

    @Test func hostsListsEveryNodeAndTheCoordinator() {
        let text = ContainerNodeFiles.hosts([("node1", "10.77.0.11"), ("node2", "10.77.0.12")])
        #expect(text.contains("10.77.0.11\tnode1\n") && text.contains("10.77.0.12\tnode2\n"))
        #expect(text.contains("10.77.0.2\tmeridian-coordinator\n"))
    }

    @Test func interfaceNamesFitTheKernelLimit() {
        for index in [1, ContainerLabLayout.maxNodes] {
            let node = ContainerLabLayout.name(index)
            #expect(ContainerLabLayout.hostVeth(node).utf8.count <= 15)
            #expect(ContainerLabLayout.address(index).hasPrefix("10.77.0."))
        }
        #expect(ContainerLabLayout.bridge.utf8.count <= 15)
    }

    @Test func stateRoundTrips() throws {
        let layout = ContainerLabLayout(directory: "/tmp/meridian-container-state-test-\(ProcessIdentity.current)")
        try AtomicFile.makeDirectories(layout.directory)
        let state = ContainerLabState(base: "/var/cache/meridian-lab/base-x",
                                      nodes: [.init(name: "node1", address: "10.77.0.11", supervisor: 10, leader: 11),
                                              .init(name: "node2", address: "10.77.0.12", supervisor: nil, leader: nil)],
                                      hostClockAtUp: 1_796_159_837.758, clockd: 12)
        try state.save(layout)
        #expect(ContainerLabState.load(layout) == state)
    }

    @Test func offsetFileIsWhatLibfaketimeReads() throws {
        let path = "/tmp/meridian-container-offset-test-\(ProcessIdentity.current)"
        try ContainerClock.writeOffset(path, seconds: -2.5)
        #expect(String(decoding: try #require(try AtomicFile.read(path)), as: UTF8.self) == "-2.500000000\n")
        #expect(ContainerClock.readOffset(path) == -2.5)
    }

    @Test func corosyncConfIsOneKnetClusterOfEveryNode() {
        let conf = ContainerCorosync.conf([("node1", "10.77.0.11"), ("node2", "10.77.0.12"), ("node3", "10.77.0.13")])
        #expect(conf.contains("transport: knet") && conf.contains("provider: corosync_votequorum"))
        #expect(conf.contains("keyfile: /etc/corosync/authkey"))
        for (id, address) in [(1, "10.77.0.11"), (2, "10.77.0.12"), (3, "10.77.0.13")] {
            #expect(conf.contains("name: node\(id)\n    nodeid: \(id)\n    ring0_addr: \(address)\n"), "node\(id) in \(conf)")
        }
        #expect(ContainerCorosync.standInUnit.contains("STAND-IN") && ContainerCorosync.standInUnit.contains("ExecStart=/bin/true"))
    }

    @Test(arguments: [
        ("Quorate:          Yes\nTotal votes:      5\n", 5, true),
        ("Quorate:          Yes\nTotal votes:      4\n", 5, false),
        ("Quorate:          No\nTotal votes:      2\n", 5, false),
        ("Cannot initialize QUORUM service\n", 5, false),
    ])
    func corosyncQuorateWithEveryVote(text: String, nodes: Int, expected: Bool) {
        #expect(ContainerCorosync.quorateWithAll(text, count: nodes) == expected)
    }

    @Test func cephConfHasCephxFastTimeChecksAndEveryMonitor() {
        let conf = ContainerCeph.conf(fsid: "f", monitors: [("node1", "10.77.0.11"), ("node2", "10.77.0.12")])
        #expect(conf.contains("mon_host = [v2:10.77.0.11:3300,v1:10.77.0.11:6789],[v2:10.77.0.12:3300,v1:10.77.0.12:6789]\n"))
        #expect(conf.contains("auth_cluster_required = cephx") && conf.contains("mon_timecheck_interval = 5"))
        #expect(conf.contains("mon_timecheck_skew_interval = 5") && conf.contains("mon_clock_drift_allowed = 0.05"))
        #expect(conf.contains("[mon.node2]\npublic_addr = 10.77.0.12\n"))
        #expect(ContainerCeph.dropIn().contains("FAKETIME_TIMESTAMP_FILE=/meridian-lab/offset"))
        let fsid = ContainerCeph.fsid()
        #expect(fsid.count == 36 && fsid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] && fsid != ContainerCeph.fsid())
        #expect(ContainerCeph.quorumSize(#"{"quorum_names":["node1","node2"]}"#) == 2)
        #expect(ContainerCeph.quorumSize("not json") == 0)
    }

    @Test func firewallLetsCorosyncAndCephInButNotNTP() {
        #expect(ContainerFirewall.allowed.contains("5405/udp") && ContainerFirewall.allowed.contains("3300/tcp"))
        #expect(!ContainerFirewall.allowed.contains { $0.hasPrefix("123/") })
    }

    @Test(arguments: [-1, 4, 8])
    func cephMonitorsOutsideTheNodesAreRefused(monitors: Int) {
        var request = ContainerLab.Request(directory: "/tmp/x", base: "/nonexistent", meridianBinary: "/bin/true", agentBinary: "/bin/true")
        request.nodes = 3
        request.cephMonitors = monitors
        #expect { try ContainerLab.validate(request) } throws: { "\($0)".contains("--ceph-mons must be 0...3") }
    }
}
