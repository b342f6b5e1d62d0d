import ClockSync
import Testing
import TestSupport
@testable import NodeAgent

/// The agent config's `chrony` block and `commands.show_timedate`: where chrony.conf's node-local
/// lines come from, checked when the agent starts.
struct AgentConfigurationChronyTests {
    static func config(_ extra: String) -> String {
        #"{"node":"pve1","listen":"127.0.0.2:7480","ca":"/c/ca.pem","cert":"/c/pve1.pem","key":"/c/pve1.key"\#(extra)}"#
    }

    @Test func defaultsAreDebiansUnderTheRoot() throws {
        let real = try AgentConfiguration.parse(Array(Self.config("").utf8), source: "agent.json")
        #expect(real.chrony == ChronyLocalSettings())
        #expect(real.commands.showTimedate == ["timedatectl", "show"])
        let lab = try AgentConfiguration.parse(Array(Self.config(#","root":"/lab/n1""#).utf8), source: "agent.json")
        #expect(lab.chrony.driftFile == "/lab/n1/var/lib/chrony/chrony.drift" && lab.chrony.logDirectory == "/lab/n1/var/log/chrony")
        #expect(lab.chrony.backupDirectory == "/lab/n1" + ChronyBackups.directory)
    }

    @Test func labBlockParses() throws {
        let text = Self.config(#","chrony":{"drift_file":"/n/chrony.drift","lab":{"bind_address":"127.0.0.3","ntp_port":11123,"command_socket":"/n/run/chronyd.sock","pid_file":"/n/run/chronyd.pid"}},"commands":{"show_timedate":[]}"#)
        let config = try AgentConfiguration.parse(Array(text.utf8), source: "agent.json")
        #expect(config.chrony.driftFile == "/n/chrony.drift")
        #expect(config.chrony.lab == ChronyLocalSettings.Lab(bindAddress: try #require(IPAddress("127.0.0.3")), ntpPort: 11123,
                                                              commandSocket: "/n/run/chronyd.sock", pidFile: "/n/run/chronyd.pid"))
        #expect(config.commands.showTimedate.isEmpty)
    }

    @Test(arguments: [
        (#","chrony":{"drift_file":"relative/drift"}"#, "chrony.drift_file"),
        (#","chrony":{"log_dir":"/var/log/chrony\nuser root"}"#, "chrony.log_dir"),
        (#","chrony":{"nts_dump_dir":"/var/lib/chrony #x"}"#, "chrony.nts_dump_dir"),
        (#","chrony":{"pidfile":"/x"}"#, "chrony.pidfile"),
        (#","chrony":{"lab":{"bind_address":"node1","ntp_port":1,"command_socket":"/s","pid_file":"/p"}}"#, "chrony.lab.bind_address"),
        (#","chrony":{"lab":{"bind_address":"127.0.0.3","ntp_port":70000,"command_socket":"/s","pid_file":"/p"}}"#, "chrony.lab.ntp_port"),
        (#","chrony":{"lab":{"bind_address":"127.0.0.3","ntp_port":1,"command_socket":"s","pid_file":"/p"}}"#, "chrony.lab.command_socket"),
    ])
    func badChronyBlockNamesTheField(extra: String, field: String) {
        do {
            _ = try AgentConfiguration.parse(Array(Self.config(extra).utf8), source: "agent.json")
            Issue.record("accepted: \(extra)")
        } catch {
            #expect(error.description.contains("agent.json") && error.description.contains(field), "\(error)")
        }
    }
}
