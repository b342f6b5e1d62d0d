@testable import ClockSync
import Testing

/// Only real zone names pass: the special files of the tz database directory do not.
@Suite struct TimezoneNameTests {
    @Test(arguments: ["Europe/Berlin", "UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "Asia/Jakarta"])
    func zoneNamesPass(name: String) {
        #expect(TimezoneName(name)?.description == name)
    }

    @Test(arguments: ["leapseconds", "posixrules", "Factory", "localtime", "right/UTC", "right/Europe/Berlin",
                      "posix/Asia/Jakarta", "right", "posix", "zone.tab", "Europe/", "Europe//Berlin", "../etc/passwd",
                      "/etc/localtime", "", "Asia/Jakarta\n"])
    func specialFilesAndBadShapesAreRefused(name: String) {
        #expect(TimezoneName(name) == nil)
    }

    @Test func onlyATZifFileIsAnInstalledZone() throws {
        let zone = try #require(TimezoneName("Europe/Berlin"))
        var asked: [String] = []
        #expect(zone.isInstalled { asked.append($0); return Array("TZif2\0\0\0".utf8) })
        #expect(asked == ["/usr/share/zoneinfo/Europe/Berlin"])
        #expect(!zone.isInstalled { _ in Array("# leapseconds table\n".utf8) })
        #expect(!zone.isInstalled { _ in [] })
        #expect(!zone.isInstalled { _ in nil })
    }
}
