import Testing
import TestSupport
@testable import NodeAgent

/// chronyc's five reports in one process, and the five separate calls when that fails; chronyd's
/// version asked once. A shell script stands in for chronyc and chronyd, logging each call.
@Suite struct FactsChronycBatchTests {
    let directory: TemporaryDirectory
    let batch = FixturePath.in("ClockSyncTests", "chrony/batch-client-auth/batch.csv")

    init() throws {
        directory = try TemporaryDirectory("meridian-facts-batch")
        try directory.write("tool", """
            #!/bin/sh
            echo "$*" >> '\(directory.path)/log'
            case "$*" in
              -v) echo "chronyd (chrony) version 4.3 (+CMDMON +NTP)" ;;
              "-c -m "*) [ -f '\(directory.path)/batch-fails' ] && { echo "506 Cannot talk to daemon" >&2; exit 1; }; cat '\(batch)' ;;
              "-c "*) echo "single $2" ;;
            esac
            exit 0

            """)
    }

    func facts() -> FactsAction {
        var commands = AgentCommands()
        commands.chronyc = ["/bin/sh", directory.file("tool")]
        commands.chronydVersion = ["/bin/sh", directory.file("tool"), "-v"]
        return FactsAction(node: "pve1", commands: commands, files: ManagedFiles(root: directory.path), runner: CommandRunner())
    }

    func calls() throws -> [String] { try readText(directory.file("log")).split(separator: "\n").map(String.init) }

    @Test func oneChronycForFiveReports() throws {
        let reports = facts().chronycReports()
        let lines = try readText(batch).split(separator: "\n").map { $0 + "\n" }
        #expect(reports.tracking.stdout == lines[0])
        #expect(reports.sources.stdout == lines[1])
        #expect(reports.sourcestats.stdout == lines[2])
        #expect(reports.authdata.stdout == lines[3])
        #expect(reports.ntpdata.stdout == lines[4])
        #expect(reports.tracking.succeeded && reports.tracking.command.contains("-m"))
        #expect(try calls() == ["-c -m tracking sources sourcestats authdata ntpdata"])
    }

    @Test func batchFailureAsksEachReport() throws {
        try directory.write("batch-fails", "")
        let reports = facts().chronycReports()
        #expect(reports.tracking.stdout == "single tracking\n")
        #expect(reports.ntpdata.stdout == "single ntpdata\n")
        #expect(try calls() == ["-c -m tracking sources sourcestats authdata ntpdata", "-c tracking", "-c sources", "-c sourcestats",
                                "-c authdata", "-c ntpdata"])
    }

    @Test func chronydVersionIsAskedOnce() throws {
        let action = facts()
        #expect(action.chronydVersion() == "chronyd (chrony) version 4.3 (+CMDMON +NTP)")
        #expect(action.chronydVersion() == "chronyd (chrony) version 4.3 (+CMDMON +NTP)")
        #expect(try calls() == ["-v"])
    }
}
