import ClockSync
import Foundation
import HostSystem
import JSONCore
import NodeAgent
import Testing
import TestSupport
import WireProtocol

/// The keyfile side of `chrony.apply` on a fake node: written 0640 group _chrony under the root,
/// backed up 0600, reloaded with `chronyc rekey` when only the keys change, removed when
/// authentication is turned off; bad key fields are refused by name, never echoing the key.
@Suite(.offPool) struct AgentChronyKeysTests {
    static let secretHex = "00112233445566778899AABBCCDDEEFF"
    static let key = NTPKey(id: 2, kind: .aes128, material: NTPKey.bytes(hex: secretHex) ?? [])
    static let newKey = NTPKey(id: 5, kind: .aes128, material: Array(repeating: 0x5A, count: 16))

    func clientIntent(_ node: FakeNode, key: NTPKey?) throws -> ChronyIntent {
        var intent = try node.clientIntent(server: "127.0.0.2")
        if let key {
            intent.keys = [key]
            intent.servers[0].key = key.id
        }
        return intent
    }

    func synced(_ node: FakeNode) throws {
        try node.set(outFixture: "chronyc-tracking", "chrony/client-auth-ok/tracking.csv")
        try node.set(outFixture: "chronyc-sources", "chrony/client-auth-ok/sources.csv")
    }

    var keyPath: (FakeNode) -> String { { $0.root + ChronyKeyFile.path } }

    @Test func keysAreWrittenSecretAndRenderedAsIdsOnly() throws {
        let node = try FakeNode()
        try synced(node)
        let intent = try clientIntent(node, key: Self.key)
        let preview = try node.call(.previewChrony, ChronyPreviewParams(intent: intent), as: ChronyPreviewResult.self)
        #expect(preview.keys == .init(currentIDs: [], plannedIDs: [2], changed: true))
        #expect(!preview.config.contains(Self.secretHex), "chrony.conf holds key ids only")
        #expect(preview.config.contains("keyfile \(node.root)/etc/chrony/chrony.keys"), "\(preview.config)")
        #expect(preview.config.contains("server 127.0.0.2 iburst prefer key 2"), "\(preview.config)")

        let result = try node.call(.applyChrony, ChronyApplyParams(intent: intent, waitSeconds: 5), as: ChronyApplyResult.self)
        #expect(result.changed && result.selected == "127.0.0.2")
        let text = try readText(keyPath(node))
        #expect(text.contains("2 AES128 HEX:\(Self.secretHex)"))
        let owner = try #require(FileOwnership.groupAndMode(keyPath(node)))
        #expect(owner.mode == 0o640)
        if let chrony = FileOwnership.groupID("_chrony") { #expect(owner.group == chrony, "group _chrony where it exists") }
        #expect(node.ran("restart_chrony").count == 1)
        let again = try node.call(.previewChrony, ChronyPreviewParams(intent: intent), as: ChronyPreviewResult.self)
        #expect(!again.changed && again.keys == .init(currentIDs: [2], plannedIDs: [2], changed: false))
    }

    /// A time server's rotation step: same chrony.conf, new keys → `chronyc rekey`, no restart;
    /// the old keyfile is kept 0600 in the 0700 backup directory.
    @Test func onlyTheKeysChangingIsARekeyWithABackup() throws {
        let node = try FakeNode()
        try node.serveLocally()
        var intent = try node.serverIntent()
        intent.keys = [Self.key]
        _ = try node.call(.applyChrony, ChronyApplyParams(intent: intent, waitSeconds: 5), as: ChronyApplyResult.self)
        let first = try readText(keyPath(node))
        intent.keys = [Self.key, Self.newKey]
        let result = try node.call(.applyChrony, ChronyApplyParams(intent: intent, waitSeconds: 5), as: ChronyApplyResult.self)
        #expect(result.changed)
        #expect(node.ran("restart_chrony").count == 1, "no second restart: \(node.log())")
        #expect(node.ran("chronyc").contains { $0.hasSuffix("rekey") }, "\(node.log())")
        #expect(try readText(keyPath(node)).contains("5 AES128 HEX:"))
        let backup = node.backups + "/" + ChronyKeyFile.backupName
        #expect(try readText(backup) == first)
        #expect(FileOwnership.groupAndMode(backup)?.mode == 0o600)
        #expect(FileOwnership.groupAndMode(node.backups)?.mode == 0o700)
    }

    /// A client's rotation step: only the `key N` of its server lines changes, so the agent
    /// swaps those sources at run time and never restarts chronyd (which would drop its sync).
    @Test func aClientSwitchingKeysSwapsItsSourcesWithoutARestart() throws {
        let node = try FakeNode()
        try synced(node)
        _ = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.key), waitSeconds: 5), as: ChronyApplyResult.self)
        let result = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.newKey), waitSeconds: 5), as: ChronyApplyResult.self)
        #expect(result.changed && result.selected == "127.0.0.2")
        #expect(node.ran("restart_chrony").count == 1, "only the first apply restarted: \(node.log())")
        let chronyc = node.ran("chronyc")
        #expect(chronyc.contains("chronyc rekey") && chronyc.contains("chronyc delete 127.0.0.2")
                && chronyc.contains("chronyc add server 127.0.0.2 iburst prefer key 5"), "\(chronyc)")
        #expect(try readText(node.chronyConf).contains("server 127.0.0.2 iburst prefer key 5"))
        #expect(ChronyKeyFile.ids(in: try readText(keyPath(node))) == [5])
    }

    @Test func sourceKeyChangesAreOnlyKeyChanges() {
        let old = "a\nserver 10.0.0.1 iburst prefer key 2\npeer 10.0.0.2 key 1\nb\n"
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old.replacingOccurrences(of: "key 2", with: "key 5")) == ["server 10.0.0.1 iburst prefer key 5"])
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old.replacingOccurrences(of: "key ", with: "key 9")).map(\.count) == 2)
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old.replacingOccurrences(of: "prefer key 2", with: "key 2")) == nil, "an option changed")
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old.replacingOccurrences(of: "b", with: "c")) == nil, "another line changed")
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old.replacingOccurrences(of: " key 2", with: "")) == nil, "a key removed is not a swap")
        #expect(ChronyConf.sourceKeyChanges(from: old, to: old) == nil)
    }

    @Test func authenticationOffRemovesTheKeyfileAndItsBackup() throws {
        let node = try FakeNode()
        try synced(node)
        _ = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.key), waitSeconds: 5), as: ChronyApplyResult.self)
        _ = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.newKey), waitSeconds: 5), as: ChronyApplyResult.self)
        #expect(AtomicFile.exists(node.backups + "/" + ChronyKeyFile.backupName))
        let off = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: nil), waitSeconds: 5), as: ChronyApplyResult.self)
        #expect(off.changed)
        #expect(!AtomicFile.exists(keyPath(node)), "keyfile removed")
        #expect(!AtomicFile.exists(node.backups + "/" + ChronyKeyFile.backupName), "no key left in a backup")
        let conf = try readText(node.chronyConf)
        #expect(!conf.contains("keyfile") && !conf.contains(" key "), "\(conf)")
    }

    /// A client that selects nothing with its new key gets its old keyfile back with chrony.conf.
    @Test func aFailedApplyPutsTheOldKeysBack() throws {
        let node = try FakeNode()
        try synced(node)
        _ = try node.call(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.key), waitSeconds: 5), as: ChronyApplyResult.self)
        let before = try readText(keyPath(node))
        try node.set(outFixture: "chronyc-sources", "chrony/client-auth-wrong-key/sources.csv")
        let error = try #require(try node.error(.applyChrony, ChronyApplyParams(intent: try clientIntent(node, key: Self.newKey), waitSeconds: 1)))
        #expect(error.code == RPCError.actionFailed)
        #expect(try readText(keyPath(node)) == before)
        #expect(!error.message.contains("5A5A"), "\(error)")
    }

    static let keyed = #""servers":[{"address":"127.0.0.2","key":2}]"#
    static let badKeys: [(String, String, String)] = [
        ("a source key that is not one of the keys", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":3,"type":"AES128","hex":"\#(secretHex)"}]}"#, "intent.servers[0].key"),
        ("a key id out of range", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"127.0.0.2","key":70000}]}"#, "key"),
        ("an unknown key type", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":2,"type":"MD5","hex":"\#(secretHex)"}]}"#, "type"),
        ("hex of the wrong length", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":2,"type":"SHA256","hex":"\#(secretHex)"}]}"#, "hex"),
        ("hex that is not hex", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":2,"type":"AES128","hex":"\#(secretHex.dropLast(2))ZZ"}]}"#, "hex"),
        ("two keys on a client", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":2,"type":"AES128","hex":"\#(secretHex)"},{"id":3,"type":"AES128","hex":"\#(secretHex)"}]}"#, "intent.keys"),
        ("a key id twice", #"{"cluster":"test","node":"pve1","role":"server","allow":["10.0.0.0/24"],"keys":[{"id":2,"type":"AES128","hex":"\#(secretHex)"},{"id":2,"type":"AES128","hex":"\#(secretHex)"}]}"#, "intent.keys[1].id"),
        ("an unknown key field", #"{"cluster":"test","node":"pve1","role":"client",\#(keyed),"keys":[{"id":2,"type":"AES128","hex":"\#(secretHex)","file":"/etc/shadow"}]}"#, "file"),
    ]

    @Test(arguments: badKeys)
    func badKeyFieldsAreRefusedByNameWithoutTheKey(name: String, intent: String, field: String) throws {
        let node = try FakeNode()
        let framed = try node.session()
        defer { framed.close() }
        let params = try JSONValue(parsing: Array(#"{"intent":\#(intent),"wait_seconds":5}"#.utf8))
        guard case .failure(let error) = try node.call(framed, Method.applyChrony.rawValue, params) else {
            Issue.record("\(name): accepted")
            return
        }
        #expect(error.code == RPCError.invalidParams && error.message.contains(field), "\(name): \(error)")
        #expect(!error.message.contains(Self.secretHex) && !error.message.contains(Self.secretHex.dropLast(2)), "\(name): the key is echoed: \(error)")
        #expect(!AtomicFile.exists(keyPath(node)), "nothing written")
    }

    /// Real chronyd parses what the agent renders with keys (keyfile, `key N`, authselectmode).
    @Test func chronydAcceptsAKeyedConfig() throws {
        try #require(ChronydParse.isInstalled, "Debian's chrony package is needed (scripts/install-deps.sh)")
        let node = try FakeNode()
        var server = try node.serverIntent()
        server.orphan = true
        server.peers = [.init(address: try #require(IPAddress("10.0.0.9")), key: 5)]
        server.keys = [Self.key, Self.newKey]
        for intent in [try clientIntent(node, key: Self.key), server] {
            let config = ChronyConf.render(intent, local: node.localSettings)
            let scratch = try TemporaryDirectory("meridian-keyed-chronyd-p")
            let (status, printed) = try ChronydParse.parse(config, in: scratch)
            #expect(status == 0, "chronyd -p refused:\n\(config)\n\(printed)")
            #expect(printed.contains("authselectmode require") && printed.contains("key "), "\(printed)")
        }
    }
}
