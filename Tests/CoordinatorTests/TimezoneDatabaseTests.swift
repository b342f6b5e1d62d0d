@testable import Coordinator
import HostSystem
import Testing

/// `meridian init` and the cluster file loader check zones against this machine's real tz
/// database (Debian's tzdata): the files there that are not zones are refused.
@Suite struct TimezoneDatabaseTests {
    @Test(arguments: ["Europe/Berlin", "Asia/Jakarta", "UTC", "Etc/UTC"])
    func realZonesExist(name: String) {
        #expect(ClusterFileStore.timezoneExists(name))
    }

    /// Each of these is a file (or a directory) under /usr/share/zoneinfo here; none is a zone.
    @Test(arguments: ["leapseconds", "posixrules", "Factory", "right/UTC", "posix/Europe/Berlin", "Europe", "tzdata.zi"])
    func specialFilesAreNotZones(name: String) {
        #expect(AtomicFile.exists("/usr/share/zoneinfo/" + name), "the tz database here has \(name)")
        #expect(!ClusterFileStore.timezoneExists(name))
    }

    @Test func initRefusesLeapseconds() {
        var request = ClusterInit.Request()
        request.nodes = ["pve1=192.168.1.10"]
        request.subnets = ["192.168.1.0/24"]
        request.timezone = "leapseconds"
        #expect(throws: CoordinatorError.self) { try ClusterInit.build(request) }
    }
}
