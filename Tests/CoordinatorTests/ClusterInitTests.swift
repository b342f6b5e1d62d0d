import ClockSync
@testable import Coordinator
import Testing
import TestSupport

@Suite struct ClusterInitTests {
    func request(_ nodes: [String] = ["pve1=192.168.1.10", "pve2=192.168.1.11"]) -> ClusterInit.Request {
        var request = ClusterInit.Request()
        request.nodes = nodes
        request.subnets = ["192.168.1.0/24"]
        request.timezone = "Europe/Berlin"
        return request
    }

    @Test func fromFlagsTheFirstNodeServes() throws {
        let file = try ClusterInit.build(request())
        #expect(file.timeServers.map(\.description) == ["pve1"])
        #expect(file.nodes.count == 2)
    }

    @Test func fromCorosyncConf() throws {
        var request = request([])
        request.corosyncPath = FixturePath.in("ClockSyncTests", "corosync/corosync.conf")
        request.timeServers = ["pve2", "pve3"]
        let file = try ClusterInit.build(request)
        #expect(file.name == "lab")
        #expect(file.nodes.map(\.name.description) == ["pve1", "pve2", "pve3"])
        #expect(file.usesOrphanMode)
    }

    @Test(arguments: [
        (["pve1"], CoordinatorError.Kind.usage, "pve1"),
        (["pve1=192.168.1.10", "pve1=192.168.1.11"], .invalid, "nodes[1].name"),
        (["pve1=192.168.7.10"], .invalid, "pve1"),
    ])
    func badFlagsAreNamed(nodes: [String], kind: CoordinatorError.Kind, names: String) {
        let error = #expect(throws: CoordinatorError.self) { try ClusterInit.build(request(nodes)) }
        #expect(error?.kind == kind, "\(error?.description ?? "")")
        #expect(error?.description.contains(names) == true, "the error names \(names): \(error?.description ?? "")")
    }

    @Test func unknownTimezoneIsRefused() {
        var bad = request()
        bad.timezone = "Europe/Atlantis"
        let error = #expect(throws: CoordinatorError.self) { try ClusterInit.build(bad) }
        #expect(error?.kind == .invalid)
        #expect(error?.description.contains("Europe/Atlantis") == true)
        #expect(ClusterFileStore.timezoneExists("Europe/Berlin"))
        #expect(!ClusterFileStore.timezoneExists("../../etc/passwd"))
    }

    @Test func saveRefusesToOverwriteAndLoadReadsBack() throws {
        let directory = try TemporaryDirectory("meridian-init")
        let path = directory.file("cluster.json")
        let file = try ClusterInit.build(request())
        try ClusterFileStore.save(file, to: path, force: false)
        #expect(try ClusterFileStore.load(path) == file)
        let error = #expect(throws: CoordinatorError.self) { try ClusterFileStore.save(file, to: path, force: false) }
        #expect(error?.kind == .alreadyExists)
        try ClusterFileStore.save(file, to: path, force: true)
        let missing = #expect(throws: CoordinatorError.self) { try ClusterFileStore.load(directory.file("absent.json")) }
        #expect(missing?.kind == .notFound)
    }
}
