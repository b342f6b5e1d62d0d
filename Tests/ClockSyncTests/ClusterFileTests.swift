@testable import ClockSync
import Testing

/// A stand-in for the tz database lookup the coordinator does (it reads /usr/share/zoneinfo).
let knownZones: @Sendable (String) -> Bool = { ["UTC", "Europe/Berlin", "Asia/Jakarta"].contains($0) }

let threeNodes = """
{
  "name": "lab",
  "time_servers": ["pve1"],
  "subnets": ["192.168.1.0/24"],
  "timezone": "Asia/Jakarta",
  "nodes": [
    {"name": "pve1", "address": "192.168.1.10"},
    {"name": "pve2", "address": "192.168.1.11"},
    {"name": "pve3", "address": "192.168.1.12"}
  ]
}
"""

func cluster(_ json: String = threeNodes) throws -> ClusterFile {
    try ClusterFile.parse(json: Array(json.utf8), timezoneExists: knownZones)
}

/// Replaces one exact piece of the sample, so each bad case changes one thing.
func variant(_ old: String, _ new: String) -> String {
    var text = threeNodes
    if let range = text.firstRange(of: old) { text.replaceSubrange(range, with: new) }
    return text
}

@Suite struct ClusterFileTests {
    @Test func validFileWithDefaults() throws {
        let file = try cluster()
        #expect(file.name == "lab")
        #expect(file.certificateDirectory == "/etc/meridian/certs")
        #expect(file.maxOffsetSeconds == 0.05 && file.warningOffsetSeconds == 0.025)
        #expect(file.options.rtcSync && !file.options.manualTime)
        #expect(file.options.restartClusterServices == .never && file.options.firewall == .check)
        #expect(file.timeServerNodes.map(\.address.description) == ["192.168.1.10"])
        #expect(!file.usesOrphanMode)
    }

    @Test func jsonTextRoundTrips() throws {
        let file = try cluster()
        #expect(try cluster(file.jsonText()) == file)
    }

    @Test(arguments: [
        (variant("\"Asia/Jakarta\"", "\"Mars/Olympus\""), "timezone: \"Mars/Olympus\" is not in the tz database"),
        (variant("\"Asia/Jakarta\"", "\"Asia/Jakarta\\n\""), "timezone"),
        (variant("192.168.1.0/24", "10.0.0.0/24"), "does not contain time server pve1 (192.168.1.10)"),
        (variant("192.168.1.0/24", "192.168.1.7/24"), "subnets[0]: \"192.168.1.7/24\" is not a subnet"),
        (variant("192.168.1.0/24", "192.168.1.0/24 # x"), "subnets[0]"),
        (variant("\"pve3\", \"address\": \"192.168.1.12\"", "\"pve2\", \"address\": \"192.168.1.12\""), "nodes[2].name: \"pve2\" duplicates nodes[1].name"),
        (variant("192.168.1.12", "192.168.1.11"), "nodes[2].address: \"192.168.1.11\" duplicates nodes[1].address"),
        (variant("192.168.1.12", "192.168.1.300"), "nodes[2].address: \"192.168.1.300\" is not an IP address"),
        (variant("\"pve3\"", "\"pve_3\""), "nodes[2].name: \"pve_3\" is not a valid host name"),
        (variant("\"pve3\"", "\"pve3\\nallow 0.0.0.0/0\""), "nodes[2].name"),
        (variant("[\"pve1\"]", "[\"pve9\"]"), "time_servers[0]: \"pve9\" is not one of the nodes"),
        (variant("[\"pve1\"]", "[]"), "time_servers"),
        (variant("[\"pve1\"]", "[\"pve1\", \"pve2\", \"pve3\", \"pve1\"]"), "must name 1 to 3 nodes"),
        (variant("\"name\": \"lab\"", "\"name\": \"my lab\""), "name: \"my lab\""),
        (variant("\"name\": \"lab\",", "\"name\": \"lab\", \"tolerence\": 1,"), "tolerence: \"\" is not a known field"),
        (variant("\"name\": \"lab\",", "\"name\": \"lab\", \"tolerance\": {\"max_offset_seconds\": 0},"), "tolerance.max_offset_seconds"),
        (variant("\"name\": \"lab\",", "\"name\": \"lab\", \"options\": {\"firewall\": \"maybe\"},"), "options.firewall: \"maybe\" must be ignore, check or open"),
        (variant("192.168.1.12", "10.9.9.9"), "nodes[2].address: \"10.9.9.9\" is outside every subnet"),
        (variant("\"timezone\": \"Asia/Jakarta\",", ""), "timezone: \"\" is missing"),
        ("[]", "(file)"),
        ("{", "(file)"),
    ])
    func everyInvalidValueIsNamed(json: String, expected: String) {
        let error = #expect(throws: ClusterFileError.self) { try cluster(json) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error")")
    }

    @Test(arguments: ["10.0.0.1", "::1", "fd00::10", "::ffff:192.168.1.1", "2001:db8::1:0:0:1"])
    func addressesParse(text: String) { #expect(IPAddress(text) != nil) }

    @Test(arguments: ["10.0.0.256", "010.0.0.1", "1.2.3", "::1::2", "fd00::g", "pve1", "1.2.3.4 ", "12345::"])
    func addressesRejected(text: String) { #expect(IPAddress(text) == nil) }

    @Test func cidrContainment() throws {
        let subnet = try #require(CIDR("192.168.1.0/24"))
        #expect(subnet.contains(try #require(IPAddress("192.168.1.200"))))
        #expect(!subnet.contains(try #require(IPAddress("192.168.2.1"))))
        #expect(!subnet.contains(try #require(IPAddress("fd00::1"))))
        #expect(CIDR("fd00::/64")?.contains(try #require(IPAddress("fd00::5"))) == true)
        #expect(CIDR("10.0.0.0/33") == nil)
    }
}
