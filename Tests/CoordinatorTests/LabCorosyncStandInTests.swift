@testable import Coordinator
import HostSystem
import Testing
import TestSupport

/// The bash stand-in the lab's agents run as `pvecm status` prints what `LabCorosync.status`
/// prints, and exits as pvecm does (0 quorate, 2 not), in every state the files can describe.
@Suite struct LabCorosyncStandInTests {
    enum Setup: String, CaseIterable, Sendable {
        case allUp, localBroken, otherBroken, justRestarted, restartedLongAgo, majorityDown, garbledDownUntil
    }

    @Test(arguments: Setup.allCases)
    func standInPrintsWhatStatusPrints(setup: Setup) throws {
        let directory = try TemporaryDirectory("meridian-corosync")
        let layout = LabLayout(directory: directory.path + "/lab 'quoted'")
        let nodes = (1...12).map { "node\($0)" }
        try AtomicFile.makeDirectories(layout.directory)
        try LabState(nodes: nodes).save(layout)
        try LabCorosync.writeStandIn(layout, nodes: nodes)
        let dir = LabCorosync.directory(layout)
        let now = WallClock.now().asDouble
        switch setup {
        case .allUp: break
        case .localBroken: try LabCorosync.breakNode(layout, node: "node3")
        case .otherBroken: try LabCorosync.breakNode(layout, node: "node11")
        case .justRestarted: try LabCorosync.restart(layout, node: "node3")
        case .restartedLongAgo: try AtomicFile.write(Array("\(now - 60)\n".utf8), to: dir + "/node3.down-until")
        case .majorityDown: for node in nodes.prefix(7) where node != "node3" { try LabCorosync.breakNode(layout, node: node) }
        case .garbledDownUntil: try AtomicFile.write(Array("soon\n".utf8), to: dir + "/node3.down-until")
        }
        let expected = LabCorosync.status(layout, node: "node3")
        let run = try ChildProcess.run(["/bin/bash", LabCorosync.standInPath(layout), "node3"], timeout: .seconds(5))
        #expect(run.stderr == "")
        #expect(run.stdout == expected.text)
        #expect(run.status == (expected.quorate ? 0 : 2))
        // The states differ where they should: the test cannot pass on a constant.
        switch setup {
        case .allUp, .otherBroken, .restartedLongAgo, .garbledDownUntil: #expect(expected.quorate)
        case .localBroken, .justRestarted, .majorityDown: #expect(!expected.quorate)
        }
    }
}
