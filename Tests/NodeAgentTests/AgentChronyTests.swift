import ClockSync
import Foundation
import HostSystem
import JSONCore
import NodeAgent
import Testing
import TestSupport
import WireProtocol

/// `chrony.apply` and `chrony.preview` on a fake node: the intent is validated where it lands,
/// the agent renders with the shared renderer, backups rotate, failures roll back.
@Suite(.offPool) struct AgentChronyTests {
    static let server = #"{"cluster":"test","node":"pve1","role":"server","allow":["10.0.0.0/24"]}"#
    static let client = #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"127.0.0.2"}]}"#

    /// A hostile or broken intent, and the field the -32602 must name.
    static let hostile: [(String, String, String)] = [
        ("newline in a server address", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"127.0.0.2\npidfile /etc/shadow"}]}"#, "intent.servers[0].address"),
        ("a path as server", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"/etc/passwd"}]}"#, "intent.servers[0].address"),
        ("# in a subnet", #"{"cluster":"test","node":"pve1","role":"server","allow":["10.0.0.0/24 # x"]}"#, "intent.allow[0]"),
        ("host bits in a subnet", #"{"cluster":"test","node":"pve1","role":"server","allow":["10.0.0.1/24"]}"#, "intent.allow[0]"),
        ("newline injection in the cluster name", #"{"cluster":"lab\nlogdir /root","node":"pve1","role":"server","allow":["10.0.0.0/24"]}"#, "intent.cluster"),
        ("# in the cluster name", #"{"cluster":"lab#x","node":"pve1","role":"server","allow":["10.0.0.0/24"]}"#, "intent.cluster"),
        ("a path field", #"{"cluster":"test","node":"pve1","role":"server","allow":["10.0.0.0/24"],"driftfile":"/etc/cron.d/x"}"#, "intent.driftfile"),
        ("an unknown source option", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"127.0.0.2","keyfile":"/root/k"}]}"#, "keyfile"),
        ("an unknown role", #"{"cluster":"test","node":"pve1","role":"root","allow":["10.0.0.0/24"]}"#, "intent.role"),
        ("a node that is not a host name", #"{"cluster":"test","node":"pve1;reboot","role":"server","allow":["10.0.0.0/24"]}"#, "intent.node"),
        ("another node's intent", #"{"cluster":"test","node":"pve2","role":"server","allow":["10.0.0.0/24"]}"#, "intent.node"),
        ("too many servers", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"10.0.0.1"},{"address":"10.0.0.2"},{"address":"10.0.0.3"},{"address":"10.0.0.4"}]}"#, "intent.servers"),
        ("a client with peers", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":"10.0.0.1"}],"peers":[{"address":"10.0.0.2"}]}"#, "intent.peers"),
        ("a server without subnets", #"{"cluster":"test","node":"pve1","role":"server"}"#, "intent.allow"),
        ("an address that is a number", #"{"cluster":"test","node":"pve1","role":"client","servers":[{"address":1}]}"#, "address"),
    ]

    func params(_ intent: String, wait: String = "5") throws -> JSONValue {
        try JSONValue(parsing: Array(#"{"intent":\#(intent),"wait_seconds":\#(wait)}"#.utf8))
    }

    @Test(arguments: hostile)
    func hostileIntentIsRefusedNamingTheField(name: String, intent: String, field: String) throws {
        let node = try FakeNode()
        let framed = try node.session()
        defer { framed.close() }
        for (method, params) in [(Method.applyChrony, try params(intent)), (.previewChrony, try JSONValue(parsing: Array(#"{"intent":\#(intent)}"#.utf8)))] {
            guard case .failure(let error) = try node.call(framed, method.rawValue, params) else {
                Issue.record("\(name): \(method.rawValue) accepted it")
                continue
            }
            #expect(error.code == RPCError.invalidParams, "\(name): \(error)")
            #expect(error.message.contains(field), "\(name): \(method.rawValue) says \"\(error.message)\", which does not name \(field)")
        }
        #expect(!FileManager.default.fileExists(atPath: node.chronyConf), "\(name): nothing written")
        #expect(node.log().isEmpty, "\(name): nothing ran: \(node.log())")
    }

    @Test(arguments: [("0", "wait_seconds"), ("1e9", "wait_seconds"), ("-1", "wait_seconds")])
    func waitOutOfRangeIsRefused(wait: String, field: String) throws {
        let node = try FakeNode()
        let framed = try node.session()
        defer { framed.close() }
        guard case .failure(let error) = try node.call(framed, Method.applyChrony.rawValue, try params(Self.server, wait: wait)) else {
            Issue.record("wait_seconds \(wait) accepted")
            return
        }
        #expect(error.code == RPCError.invalidParams && error.message.contains(field), "\(error)")
    }

    /// The old (protocol 1) shape, chrony.conf text, is refused by name.
    @Test func configTextIsRefused() throws {
        let node = try FakeNode()
        let framed = try node.session()
        defer { framed.close() }
        let old = try JSONValue(parsing: Array(#"{"config":"pidfile /etc/passwd\n","role":"server","time_servers":[],"wait_seconds":5}"#.utf8))
        guard case .failure(let error) = try node.call(framed, Method.applyChrony.rawValue, old) else {
            Issue.record("chrony.conf text accepted")
            return
        }
        #expect(error.code == RPCError.invalidParams && error.message.contains("config"), "\(error)")
    }

    /// With a real node's settings (root "", Debian paths) the agent's file is the golden file,
    /// byte for byte: the wire shape documented in protocol/ renders what ChronyConf renders.
    @Test(arguments: [
        ("pve2", #"{"cluster":"lab","node":"pve2","role":"client","servers":[{"address":"192.168.1.10","prefer":true}]}"#, "single-master-client.conf"),
        ("pve1", #"{"cluster":"lab","node":"pve1","role":"server","allow":["192.168.1.0/24"],"rtc_sync":true}"#, "single-master-server.conf"),
        ("pve4", #"{"cluster":"lab","node":"pve4","role":"client","servers":[{"address":"192.168.1.10","prefer":true},{"address":"192.168.1.11"},{"address":"192.168.1.12"}]}"#, "three-servers-client.conf"),
        ("pve2", #"{"cluster":"lab","node":"pve2","role":"server","orphan":true,"peers":[{"address":"192.168.1.10"},{"address":"192.168.1.12"}],"allow":["192.168.1.0/24"],"rtc_sync":true}"#, "three-servers-server.conf"),
    ])
    func agentRendersTheGoldenFile(node name: String, intent: String, golden: String) throws {
        let node = try FakeNode(node: name, root: false)
        let framed = try node.session()
        defer { framed.close() }
        let answer = try node.call(framed, Method.previewChrony.rawValue, try JSONValue(parsing: Array(#"{"intent":\#(intent)}"#.utf8)))
        let preview = try RPCCodec.decode(ChronyPreviewResult.self, from: try answer.get())
        #expect(preview.config == (try readText(FixturePath.in("ClockSyncTests", "golden/\(golden)"))))
    }

    /// Real chronyd accepts what the agent renders, with Debian paths and with lab settings.
    @Test func chronydAcceptsWhatTheAgentRenders() throws {
        try #require(ChronydParse.isInstalled, "Debian's chrony package is needed (scripts/install-deps.sh)")
        let scratch = try TemporaryDirectory("meridian-agent-chronyd-p")
        let loopback = try #require(IPAddress("127.0.0.1"))
        let lab = try FakeNode { config in config.chrony = ChronyLocalSettings.lab(root: scratch.path, bindAddress: loopback) }
        for node in [try FakeNode(), lab] {
            for intent in [Self.server, Self.client] {
                let framed = try node.session()
                defer { framed.close() }
                let answer = try node.call(framed, Method.previewChrony.rawValue, try JSONValue(parsing: Array(#"{"intent":\#(intent)}"#.utf8)))
                let config = try RPCCodec.decode(ChronyPreviewResult.self, from: try answer.get()).config
                let (status, printed) = try ChronydParse.parse(config, in: scratch)
                #expect(status == 0, "chronyd -p refused:\n\(config)\n\(printed)")
            }
        }
    }

    /// The published schemas and the encoder name the same fields: spec and code cannot drift.
    @Test func schemasNameTheFieldsTheCoordinatorSends() throws {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/NodeAgentTests/AgentChronyTests.swift
        let root = parts.joined(separator: "/")
        func schema(_ name: String) throws -> JSONValue {
            try JSONValue(parsing: Array(try readText("\(root)/protocol/schemas/\(name).schema.json").utf8))
        }
        let node = try FakeNode()
        var intent = try node.serverIntent()
        intent.orphan = true
        intent.peers = [.init(address: try #require(IPAddress("10.0.0.9")), prefer: true, key: 7)]
        intent.keys = [NTPKey(id: 7, kind: .aes128, material: Array(repeating: 0xA5, count: 16))]
        intent.manualTime = true
        let encoded = try RPCCodec.encode(ChronyApplyParams(intent: intent, waitSeconds: 5))
        let intentSchema = try schema("chrony-intent")
        #expect(Set(encoded["intent"]?.objectValue?.keys ?? [:].keys) == Set(intentSchema["properties"]?.objectValue?.keys ?? [:].keys))
        #expect(Set(encoded.objectValue?.keys ?? [:].keys) == Set(try schema("chrony-apply-params")["properties"]?.objectValue?.keys ?? [:].keys))
        let source = encoded["intent"]?["peers"]?.arrayValue?.first?.objectValue?.keys.sorted()
        #expect(source == intentSchema["$defs"]?["source"]?["properties"]?.objectValue?.keys.sorted())
        let preview = try RPCCodec.encode(ChronyPreviewResult(config: "x", current: "y", changed: true,
                                                                    keys: .init(currentIDs: [], plannedIDs: [7], changed: true)))
        #expect(Set(preview.objectValue?.keys ?? [:].keys) == Set(try schema("chrony-preview-result")["properties"]?.objectValue?.keys ?? [:].keys))
        // What the coordinator encodes, the agent decodes to the same intent.
        #expect(try RPCCodec.decode(ChronyApplyParams.self, from: encoded).intent == intent)
    }
}
