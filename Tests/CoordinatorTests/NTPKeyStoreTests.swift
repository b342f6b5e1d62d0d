import HostSystem
import ClockSync
@testable import Coordinator
import JSONCore
import Testing
import TestSupport
import WireProtocol

/// The coordinator's key store and the plan's key line: 0600, made once and kept, completed for
/// new clients; the plan names ids and counts, never a key.
@Suite struct NTPKeyStoreTests {
    static func cluster(_ directory: TemporaryDirectory, auth: String = "keys", nodes: Int = 3) throws -> ClusterFile {
        let list = (1...nodes).map { #"{"name": "pve\#($0)", "address": "10.0.0.\#($0)"}"# }.joined(separator: ", ")
        let json = #"{"name": "lab", "ntp_auth": "\#(auth)", "certs_dir": "\#(directory.path)/certs", "time_servers": ["pve1"], "subnets": ["10.0.0.0/24"], "timezone": "UTC", "nodes": [\#(list)]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { $0 == "UTC" })
    }

    @Test func keysAreMadeOnceKeptSecretAndCompletedForANewClient() throws {
        let directory = try TemporaryDirectory("meridian-keystore")
        let cluster = try Self.cluster(directory)
        let keys = try #require(try NTPKeyStore.prepare(for: cluster))
        let path = NTPKeyStore.path(for: cluster)
        #expect(FileOwnership.groupAndMode(path)?.mode == 0o600)
        #expect(keys.current.clients.keys.sorted() == ["pve2", "pve3"])
        #expect(try NTPKeyStore.prepare(for: cluster) == keys, "made once, then read back")
        #expect(Set(keys.current.all.map(\.material)).count == 3, "every key its own random bytes")
        let grown = try Self.cluster(directory, nodes: 4)
        let more = try #require(try NTPKeyStore.prepare(for: grown))
        #expect(more.current.clients["pve2"] == keys.current.clients["pve2"] && more.current.clients["pve4"] != nil)
        #expect(try NTPKeyStore.load(path) == more)
        #expect(try NTPKeyStore.prepare(for: Self.cluster(directory, auth: "off")) == nil)
    }

    @Test func aPlanWithoutAStoreSavesNothing() throws {
        let directory = try TemporaryDirectory("meridian-keystore")
        let cluster = try Self.cluster(directory)
        #expect(try NTPKeyStore.prepare(for: cluster, save: false) != nil)
        #expect(!AtomicFile.exists(NTPKeyStore.path(for: cluster)))
    }

    @Test(arguments: [
        (#"{"kind": "AES128", "current": {"peer": {"id": 1, "hex": "00"}, "clients": {}}}"#, "current.peer.hex"),
        (#"{"kind": "MD5", "current": {}}"#, "kind"),
        (#"{"kind": "AES128", "current": {"peer": {"id": 0, "hex": "00112233445566778899AABBCCDDEEFF"}, "clients": {}}}"#, "current.peer.id"),
        (#"{"kind": "AES128", "current": {"peer": {"id": 1, "hex": "00112233445566778899AABBCCDDEEFF"}}}"#, "current.clients"),
    ])
    func aBadStoreIsNamedWithoutItsKeys(json: String, field: String) throws {
        let directory = try TemporaryDirectory("meridian-keystore")
        try directory.write("keys.json", json)
        #expect {
            _ = try NTPKeyStore.load(directory.file("keys.json"))
        } throws: { error in
            "\(error)".contains(field) && !"\(error)".contains("00112233")
        }
    }

    @Test(arguments: [
        (ChronyIntent.Role.server, [UInt32](), [UInt32]([1, 2, 3]), "2 client keys, 1 peer key (ids 1-3), new"),
        (.client, [2], [5], "its own key (id 5), rotated (was id 2)"),
        (.server, [1, 2, 3], [1, 2, 3], "2 client keys, 1 peer key (ids 1-3), same ids, new material"),
        (.client, [2], [], "1 keys (id 2) removed"),
    ])
    func thePlanNamesKeyChangesByIdsAndCounts(role: ChronyIntent.Role, current: [UInt32], planned: [UInt32], expected: String) {
        #expect(Plan.keysChange(.init(currentIDs: current, plannedIDs: planned, changed: true), role: role) == expected)
        #expect(Plan.keysChange(.init(currentIDs: current, plannedIDs: planned, changed: false), role: role) == nil)
    }

    @Test func initWritesKeysByDefault() throws {
        var request = ClusterInit.Request()
        request.nodes = ["pve1=10.0.0.1", "pve2=10.0.0.2"]
        request.subnets = ["10.0.0.0/24"]
        request.timezone = "UTC"
        #expect(try ClusterInit.build(request).ntpAuth == .keys)
        request.ntpAuth = "off"
        #expect(try ClusterInit.build(request).ntpAuth == .off)
        request.ntpAuth = "yes"
        #expect(throws: CoordinatorError.self) { try ClusterInit.build(request) }
    }
}
