import ClockSync
import Foundation
import HostSystem
import JSONCore
import NodeAgent
import Testing
import TestSupport
import WireProtocol

/// Every method the agent advertises, once each, against a `FakeNode` whose commands are test
/// scripts: the answer is checked, and so is the command that ran (or did not). A method added
/// to `Method` without a check here fails `everyAdvertisedMethodIsChecked`.
@Suite(.offPool) struct AgentMethodTests {
    typealias Check = @Sendable (FakeNode) throws -> Void

    static let checks: [Method: Check] = [
        .hello: { node in
            let hello = try node.call(.hello, HelloParams(coordinatorVersion: "test", protocolVersions: [1, 2]), as: HelloResult.self)
            #expect(hello.node == "pve1" && hello.protocolVersion == 2 && hello.agentVersion == MeridianVersion.current)
        },
        .ping: { node in
            let ping = try node.call(.ping, NoParams(), as: PingResult.self)
            #expect(ping.node == "pve1" && ping.uptimeSeconds >= 0)
        },
        .probe: { node in
            let before = WallClock.now()
            let probe = try node.call(.probe, ProbeParams(clientSend: before), as: ProbeResult.self)
            #expect(before <= probe.receive && probe.receive <= probe.send && probe.send <= WallClock.now())
        },
        .facts: { node in
            try node.set(out: "hostname", "pve1.example\n")
            try node.set(out: "chronyd_version", "chronyd (chrony) version 4.3 (+CMDMON)\n")
            try node.set(out: "show_timedate", try readText(FixturePath.in("ClockSyncTests", "timedatectl/show-berlin-synced.txt")))
            try node.set(rc: "is_active-ntp.service", 0)
            try node.set(out: "quorum_status", "Quorate: Yes\n")
            let facts = try node.call(.facts, NoParams(), as: FactsResult.self)
            #expect(facts.hostname == "pve1.example" && facts.chronyVersion == "chronyd (chrony) version 4.3 (+CMDMON)")
            #expect(facts.timezone == "Europe/Berlin", "from the configured show_timedate command")
            #expect(facts.otherTimeDaemons == ["ntp.service"])
            #expect(facts.quorum?.stdout == "Quorate: Yes\n")
            #expect(node.ran("show_timedate") == ["show_timedate "], "\(node.log())")
        },
        .applyChrony: { node in
            try node.serveLocally()
            let intent = try node.serverIntent()
            let result = try node.call(.applyChrony, ChronyApplyParams(intent: intent, waitSeconds: 5), as: ChronyApplyResult.self)
            #expect(result.changed && result.selected == "LOCAL")
            #expect(try readText(node.chronyConf) == ChronyConf.render(intent, local: node.localSettings))
            #expect(node.ran("restart_chrony").count == 1)
        },
        .previewChrony: { node in
            let intent = try node.serverIntent()
            let preview = try node.call(.previewChrony, ChronyPreviewParams(intent: intent), as: ChronyPreviewResult.self)
            #expect(preview.config == ChronyConf.render(intent, local: node.localSettings))
            #expect(preview.changed && preview.current == nil)
            #expect(!FileManager.default.fileExists(atPath: node.chronyConf), "a preview writes nothing")
            #expect(node.ran("restart_chrony").isEmpty)
        },
        .setTimezone: { node in
            try node.set(out: "show_timedate", "Timezone=Etc/UTC\n")
            let changed = try node.call(.setTimezone, TimezoneParams(timezone: "Europe/Berlin"), as: ChangeResult.self)
            #expect(changed.changed && node.ran("set_timezone") == ["set_timezone Europe/Berlin"])
            #expect(try node.error(.setTimezone, TimezoneParams(timezone: "../../etc/passwd"))?.code == RPCError.invalidParams)
        },
        .syncRTC: { node in
            let rtc = try node.call(.syncRTC, NoParams(), as: ChangeResult.self)
            #expect(rtc.changed && node.ran("hwclock_systohc").count == 1)
            try node.set(rc: "hwclock_systohc", 1)
            #expect(try node.error(.syncRTC, NoParams())?.code == RPCError.actionFailed, "a failing hwclock is a failure")
        },
        .setClock: { node in
            let set = try node.call(.setClock, SetClockParams(time: Timestamp(seconds: 1_795_568_374, nanoseconds: 0)), as: ChangeResult.self)
            let ran = node.ran("set_clock")
            #expect(set.changed && ran.count == 1 && ran.first?.contains("2026") == true, "\(ran)")
        },
        .restartService: { node in
            for (service, command) in [("chrony", "restart_chrony"), ("corosync", "restart_corosync"), ("pve-cluster", "restart_pve_cluster")] {
                let restarted = try node.call(.restartService, ServiceParams(service: service), as: ChangeResult.self)
                #expect(restarted.changed)
                #expect(node.ran(command).count == 1, "\(service): \(node.log())")
            }
            let before = node.log().count
            for refused in ["sshd", "chrony; reboot", "chrony.service", ""] {
                let error = try node.error(.restartService, ServiceParams(service: refused))
                #expect(error?.code == RPCError.invalidParams, "\(refused)")
            }
            #expect(node.log().count == before, "a refused service runs nothing")
        },
        .disableTimeDaemons: { node in
            try node.set(rc: "is_active-ntp.service", 0)
            let result = try node.call(.disableTimeDaemons, NoParams(), as: ChangeResult.self)
            #expect(result.changed && node.ran("disable_now") == ["disable_now ntp.service"], "\(node.log())")
            try node.set(rc: "is_active-ntp.service", 3)
            #expect(try !node.call(.disableTimeDaemons, NoParams(), as: ChangeResult.self).changed)
            #expect(node.ran("disable_now").count == 1, "nothing active: nothing disabled")
        },
        .quorum: { node in
            try node.set(outFixture: "quorum_status", "pvecm/status-3-nodes-quorate.txt")
            let output = try node.call(.quorum, NoParams(), as: CommandOutput.self)
            let quorum = try QuorumStatus(pvecmStatus: output.stdout)
            #expect(output.succeeded && quorum.quorate)
        },
        .openNTP: { node in
            // No Proxmox firewall file: the ufw branch.
            try node.set(outFixture: "ufw_status", "firewall/ufw-active-no-ntp.txt")
            let opened = try node.call(.openNTP, OpenNTPParams(subnets: ["10.0.0.0/24", "10.1.0.0/16"]), as: ChangeResult.self)
            #expect(opened.changed)
            #expect(node.ran("ufw_allow") == ["ufw_allow from 10.0.0.0/24 to any port 123 proto udp",
                                               "ufw_allow from 10.1.0.0/16 to any port 123 proto udp"], "\(node.log())")
            try node.set(outFixture: "ufw_status", "firewall/ufw-active-ntp.txt")
            #expect(try !node.call(.openNTP, OpenNTPParams(subnets: ["10.0.0.0/24"]), as: ChangeResult.self).changed)
            #expect(try node.error(.openNTP, OpenNTPParams(subnets: ["10.0.0.1/24"]))?.code == RPCError.invalidParams)
            #expect(node.ran("ufw_allow").count == 2, "allowed already, or refused: no ufw allow")
        },
    ]

    @Test func everyAdvertisedMethodIsChecked() throws {
        let node = try FakeNode()
        let hello = try node.call(.hello, HelloParams(coordinatorVersion: "test", protocolVersions: [2]), as: HelloResult.self)
        #expect(Set(hello.capabilities) == Set(Method.allCases.map(\.rawValue)))
        for method in Method.allCases {
            #expect(Self.checks[method] != nil, "\(method.rawValue) is advertised but has no check in AgentMethodTests.checks")
        }
    }

    @Test(arguments: Method.allCases)
    func methodRoundTrips(_ method: Method) throws {
        let check = try #require(Self.checks[method], "no check for \(method.rawValue)")
        try check(try FakeNode())
    }
}

extension Method: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
