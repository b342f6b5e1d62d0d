import ClockSync
@testable import Coordinator
import Foundation
import HostSystem
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// `Apply.configure` against one in-process agent on 127.0.0.9X:7480 whose commands are test
/// scripts: a failure is recorded against the step whose call threw, not guessed from the last
/// step that succeeded.
@Suite(.serialized) struct ApplyStepTests {
    /// The command made to fail, and the step the failure must be recorded against.
    /// Each case has its own address, so no case waits for another one's agent to let go of its port.
    static let cases: [(String, Apply.Step.Name, String)] = [
        ("disable_now", .otherTimeDaemons, "127.0.0.91"),
        ("restart_chrony", .chrony, "127.0.0.92"),
        ("set_timezone", .timezone, "127.0.0.93"),
        ("hwclock_systohc", .rtc, "127.0.0.94"),
        ("none", .rtc, "127.0.0.95"),
    ]

    @Test(arguments: cases)
    func failureIsRecordedAgainstTheStepThatThrew(failing: String, expected: Apply.Step.Name, address: String) async throws {
        let directory = try TemporaryDirectory("meridian-apply-steps")
        let pki = try TestPKI(clusterName: "lab")
        try pki.issueAgent("pve1", address: address)
        try directory.write("fake", """
            #!/bin/sh
            dir='\(directory.path)'
            name=$1; shift
            case "$name" in
              chronyc) cat "\(FixturePath.in("ClockSyncTests", "chrony/server-local"))/$2.csv" ;;
              is_active) [ "$1" = ntp.service ] || exit 3 ;;
              show_timedate) echo Timezone=Etc/UTC ;;
            esac
            [ "$name" = "\(failing)" ] && { echo "$name failed" >&2; exit 1; }
            exit 0

            """)
        try AtomicFile.setPermissions(directory.file("fake"), 0o755)
        var config = AgentConfiguration(node: "pve1", listen: "\(address):7480", caPath: pki.ca,
                                        certificatePath: pki.path + "/pve1.pem", keyPath: pki.path + "/pve1.key")
        config.root = directory.file("root")
        // The node has an RTC, so the rtc step runs hwclock (a node without one skips it).
        try AtomicFile.makeDirectories(config.root + "/dev")
        try AtomicFile.write([], to: config.root + "/dev/rtc0")
        let fake = directory.file("fake")
        config.commands.chronyc = [fake, "chronyc"]
        config.commands.restartChrony = [fake, "restart_chrony"]
        config.commands.isActive = [fake, "is_active"]
        config.commands.disableNow = [fake, "disable_now"]
        config.commands.setTimezone = [fake, "set_timezone"]
        config.commands.showTimedate = [fake, "show_timedate"]
        config.commands.hwclockSystohc = [fake, "hwclock_systohc"]
        config.commands.otherTimeDaemons = ["ntp.service"]
        let agent = try AgentServer(configuration: config)
        try agent.start()
        defer { agent.stop() }

        let json = #"{"name": "lab", "time_servers": ["pve1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "certs_dir": "\#(pki.path)", "nodes": [{"name": "pve1", "address": "\#(address)"}]}"#
        let cluster = try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
        let node = try #require(cluster.node(named: "pve1"))
        let context = try CertificateDirectory(path: pki.path).coordinatorContext()
        var options = Apply.Options(journalPath: directory.file("journal.jsonl"))
        options.syncWaitSeconds = 5
        let journal = ApplyJournal(path: options.journalPath)
        let steps = try await DedicatedThread.run(name: "apply-steps") { [options] in
            Apply.configure(node, in: cluster, context: context, options: options, journal: journal) { _ in }
        }
        let outcomes = steps.map { "\($0.step) \($0.outcome)" }
        if failing == "none" {
            #expect(outcomes == ["other time daemons changed", "chrony changed", "timezone changed", "rtc changed"], "\(outcomes)")
        } else {
            #expect(steps.last?.step == expected && steps.last?.outcome == .failed, "\(failing): \(outcomes)")
            #expect(steps.filter { $0.outcome == .failed }.count == 1, "stops at the first failure: \(outcomes)")
        }
    }
}

extension Apply.Step.Name: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
