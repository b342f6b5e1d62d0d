@testable import ClockSync
import Foundation
import Testing
import TestSupport

/// `ntp_auth`: the field, the keys (never printed), the key assignment per role, the keyed
/// golden files, the authdata/ntpdata parsers on real captures, and the verdicts on them.
@Suite struct NTPAuthTests {
    static let keyed = threeServers.replacingOccurrences(of: "\"name\": \"lab\",", with: "\"name\": \"lab\", \"ntp_auth\": \"keys\",")

    /// A counter, not a random source: deterministic keys for golden files.
    static func counting() -> ClusterKeys.Random {
        nonisolated(unsafe) var next: UInt8 = 0
        return { count in (0..<count).map { _ in next &+= 1; return next } }
    }

    @Test(arguments: [("keys", ClusterFile.NTPAuth.keys), ("off", .off)])
    func ntpAuthIsReadAndWrittenBack(text: String, value: ClusterFile.NTPAuth) throws {
        let file = try cluster(variant("\"name\": \"lab\",", "\"name\": \"lab\", \"ntp_auth\": \"\(text)\","))
        #expect(file.ntpAuth == value)
        #expect(try cluster(file.jsonText()).ntpAuth == value)
    }

    @Test func ntpAuthDefaultsToOffAndRefusesOtherValues() throws {
        #expect(try cluster().ntpAuth == .off, "a file from before the field keeps plain NTP")
        #expect(throws: ClusterFileError("ntp_auth", "on", "must be keys or off")) {
            try cluster(variant("\"name\": \"lab\",", "\"name\": \"lab\", \"ntp_auth\": \"on\","))
        }
    }

    @Test func aKeyNeverPrintsItsMaterial() throws {
        let key = NTPKey(id: 3, kind: .sha256, material: Array(repeating: 0xAB, count: 32))
        for text in ["\(key)", String(reflecting: key), "\([key])", "\(Optional(key) as Any)"] {
            #expect(!text.contains("AB") && !text.contains("171"), "\(text)")
        }
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("171"), "\(dumped)")
        #expect(key.hex == String(repeating: "AB", count: 32))
        #expect(NTPKey.bytes(hex: key.hex) == key.material)
        #expect(NTPKey.bytes(hex: "abc") == nil && NTPKey.bytes(hex: "zz") == nil)
    }

    @Test func serversHoldEveryClientKeyAndClientsOnlyTheirOwn() throws {
        let file = try cluster(Self.keyed)
        let keys = try ClusterKeys.generate(for: file, random: Self.counting())
        #expect(keys.current.clients.keys.sorted() == ["pve4"] && Set(keys.current.all.map(\.id)).count == 2)
        let server = try ChronyIntent(for: "pve2", in: file, keys: keys)
        #expect(server.keys.map(\.id).sorted() == keys.current.all.map(\.id).sorted())
        #expect(server.peers.allSatisfy { $0.key == keys.current.peer.id })
        let client = try ChronyIntent(for: "pve4", in: file, keys: keys)
        #expect(client.keys == [keys.current.clients["pve4"]].compactMap { $0 })
        #expect(client.servers.allSatisfy { $0.key == client.keys.first?.id })
        try server.validate()
        try client.validate()
        #expect(throws: ChronyConf.RenderError.noKey("pve4")) { try ChronyIntent(for: "pve4", in: file, keys: nil) }
    }

    /// Rotation: new ids beside the old on the servers; clients switch at `.next`; finishing
    /// leaves the new generation only.
    @Test func rotationKeepsOldAndNewOnServersUntilItFinishes() throws {
        let file = try cluster(Self.keyed)
        var keys = try ClusterKeys.generate(for: file, random: Self.counting())
        let old = Set(keys.current.all.map(\.id))
        try keys.beginRotation(for: file, random: Self.counting())
        let new = try #require(keys.next)
        #expect(Set(new.all.map(\.id)).isDisjoint(with: old))
        let server = try ChronyIntent(for: "pve1", in: file, keys: keys)
        #expect(Set(server.keys.map(\.id)).isSuperset(of: old.union(new.clients.values.map(\.id))))
        #expect(try ChronyIntent(for: "pve4", in: file, keys: keys, stage: .next).keys == [new.clients["pve4"]].compactMap { $0 })
        #expect(try ChronyIntent(for: "pve4", in: file, keys: keys).keys.first?.id == keys.current.clients["pve4"]?.id)
        keys.finishRotation()
        #expect(keys.next == nil && keys.current == new)
        #expect(Set(try ChronyIntent(for: "pve1", in: file, keys: keys).keys.map(\.id)) == Set(new.all.map(\.id)))
    }

    @Test func aNewClientGetsAKeyAndARemovedOneLosesIt() throws {
        var file = try cluster(Self.keyed)
        var keys = try ClusterKeys.generate(for: file, random: Self.counting())
        file.nodes.append(ClusterFile.Node(name: try #require(Hostname("pve5")), address: try #require(IPAddress("192.168.1.14"))))
        #expect(try keys.update(for: file, random: Self.counting()))
        #expect(keys.current.clients.keys.sorted() == ["pve4", "pve5"])
        #expect(Set(keys.current.all.map(\.id)).count == 3, "ids stay unique")
        file.nodes.removeAll { $0.name.description == "pve4" }
        #expect(try keys.update(for: file, random: Self.counting()))
        #expect(keys.current.clients.keys.sorted() == ["pve5"])
        #expect(try !keys.update(for: file, random: Self.counting()))
    }

    static let goldens: [(String, String)] = [("pve2", "three-servers-server-keys.conf"), ("pve4", "three-servers-client-keys.conf")]

    @Test(arguments: goldens)
    func keyedRenderingMatchesGoldenFile(node: String, golden: String) throws {
        let file = try cluster(Self.keyed)
        let keys = try ClusterKeys.generate(for: file, random: Self.counting())
        let rendered = try ChronyConf.render(for: node, in: file, local: ChronyLocalSettings(), keys: keys)
        let path = FixturePath.in("ClockSyncTests", "golden/\(golden)")
        if ProcessInfo.processInfo.environment["MERIDIAN_UPDATE_GOLDEN"] == "1" {
            try rendered.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(rendered == (try readText(path)), "regenerate with MERIDIAN_UPDATE_GOLDEN=1 if the change is intended")
        #expect(!keys.allKeys.contains { rendered.contains($0.hex) }, "chrony.conf holds ids, never keys")
    }

    @Test func keyFileRendersChronysFormatAndIdsDescribeAsRanges() throws {
        let keys = [NTPKey(id: 7, kind: .sha256, material: Array(repeating: 1, count: 32)), NTPKey(id: 1, kind: .aes128, material: Array(repeating: 0xFF, count: 16))]
        let text = ChronyKeyFile.render(keys, cluster: "lab")
        #expect(text.contains("\n1 AES128 HEX:\(String(repeating: "FF", count: 16))\n7 SHA256 HEX:\(String(repeating: "01", count: 32))\n"))
        #expect(ChronyKeyFile.ids(in: text) == [1, 7])
        #expect(ChronyKeyFile.describe(ids: [1, 2, 3, 5, 7, 8]) == "ids 1-3, 5, 7-8")
        #expect(ChronyKeyFile.describe(ids: [4]) == "id 4")
    }

    @Test func authDataAndNTPDataParseTheRealCaptures() throws {
        let ok = try ChronyAuthData.parse(csv: try fixture("chrony/client-auth-ok/authdata.csv"))
        #expect(ok.source("127.0.0.2") == .init(address: "127.0.0.2", mode: .symmetricKey, keyID: 1, type: NTPKey.Kind.aes128.authDataType, keyBits: 128))
        #expect(ok.source("127.0.0.8")?.isAuthenticated == false)
        let peer = try ChronyAuthData.parse(csv: try fixture("chrony/server-auth-peer/authdata.csv"))
        #expect(peer.source("127.0.0.7")?.keyID == 7 && peer.source("127.0.0.7")?.type == NTPKey.Kind.sha256.authDataType)
        let wrong = try ChronyNTPData.parse(csv: try fixture("chrony/client-auth-wrong-key/ntpdata.csv"))
        let silent = try #require(wrong.source("127.0.0.2"))
        #expect(silent.sent >= ChronyNTPData.unansweredRequests && silent.validReceived == 0 && !silent.authenticated)
        let good = try ChronyNTPData.parse(csv: try fixture("chrony/client-auth-ok/ntpdata.csv"))
        #expect(good.source("127.0.0.2")?.authenticated == true && good.source("127.0.0.8")?.authenticated == false)
    }

    /// Blank output is "no sources" (as chronyc prints it), every other malformed input an error.
    @Test(arguments: malformedInputs.filter { !$0.allSatisfy(\.isNewline) })
    func malformedAuthOutputIsRefused(text: String) {
        #expect(throws: ParseError.self) { try ChronyAuthData.parse(csv: text) }
        #expect(throws: ParseError.self) { try ChronyNTPData.parse(csv: text) }
    }

    static let lab = """
        {"name": "lab", "ntp_auth": "keys", "time_servers": ["pve1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
         "nodes": [{"name": "pve1", "address": "127.0.0.2"}, {"name": "pve2", "address": "127.0.0.3"}]}
        """

    func facts(_ node: String, _ state: String) throws -> NodeFacts {
        var facts = NodeFacts(node: node, tracking: try ChronyTracking(csv: try fixture("chrony/\(state)/tracking.csv")),
                              sources: try ChronySources.parse(csv: try fixture("chrony/\(state)/sources.csv")), timezone: "UTC")
        facts.authData = try? ChronyAuthData.parse(csv: try fixture("chrony/\(state)/authdata.csv"))
        facts.ntpData = try? ChronyNTPData.parse(csv: try fixture("chrony/\(state)/ntpdata.csv"))
        return facts
    }

    @Test func anAuthenticatedClientIsOKAndAWrongKeyIsNamed() throws {
        let file = try cluster(Self.lab)
        let server = NodeFacts(node: "pve1", tracking: try ChronyTracking(csv: try fixture("chrony/server-local/tracking.csv")),
                               sources: ChronySources(sources: []), timezone: "UTC")
        let good = Verdict.evaluate(cluster: [server, try facts("pve2", "client-auth-ok")], in: file)
        #expect(good.nodes[1].findings.contains { $0.message == "pve2: selected source pve1 (127.0.0.2) is authenticated" }, "\(good.nodes[1].findings)")
        #expect(!good.nodes[1].problems.contains { $0.message.contains("authentication") }, "\(good.nodes[1].problems)")
        let wrong = Verdict.evaluate(cluster: [server, try facts("pve2", "client-auth-wrong-key")], in: file)
        #expect(wrong.nodes[1].problems.contains { $0.severity == .critical && $0.message.hasPrefix("pve2: authentication with pve1 fails (key 1)") }, "\(wrong.nodes[1].problems)")
        // Without the server serving, the same silence is not blamed on the key.
        let down = Verdict.evaluate(cluster: [NodeFacts(node: "pve1", unreachable: "refused"), try facts("pve2", "client-auth-wrong-key")], in: file)
        #expect(!down.nodes[1].problems.contains { $0.message.contains("authentication with") }, "\(down.nodes[1].problems)")
    }

    @Test func anUnauthenticatedSourceIsAWarningWhenKeysAreOn() throws {
        var facts = try facts("pve2", "client-auth-ok")
        facts.authData = try ChronyAuthData.parse(csv: "127.0.0.2,-,0,0,0,4294967295,0,0,0,0\n")
        let verdict = Verdict.evaluate(facts, in: try cluster(Self.lab))
        #expect(verdict.problems.map(\.message).contains("pve2: source pve1 (127.0.0.2) is not authenticated, although ntp_auth is keys"), "\(verdict.problems)")
        #expect(verdict.problems.map(\.message).contains("pve2: selected source pve1 (127.0.0.2) is not authenticated"))
        let off = Verdict.evaluate(facts, in: try cluster(Self.lab.replacingOccurrences(of: "\"keys\"", with: "\"off\"")))
        #expect(!off.findings.contains { $0.message.contains("authenticated") }, "with ntp_auth off nothing is said about authentication: \(off.findings)")
    }
}
