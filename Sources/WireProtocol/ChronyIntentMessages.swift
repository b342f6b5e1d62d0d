import ClockSync

/// `chrony.apply` and `chrony.preview` carry a `ChronyIntent` (protocol/schemas/chrony-intent.schema.json),
/// never chrony.conf text. Decoding is the validation: every value is parsed into its type where it
/// lands, unknown fields are refused, and a bad value is an invalid-params error (-32602) that
/// names the field, e.g. `field "intent.servers[0].address": "x" is not an IP address`.
public struct ChronyApplyParams: Sendable, Equatable, Codable {
    public var intent: ChronyIntent
    /// How long the agent waits for chrony to serve or select a source (it caps this at its own
    /// `sync_timeout_seconds`).
    public var waitSeconds: Double

    public static let waitRange = 1.0...3600.0

    public init(intent: ChronyIntent, waitSeconds: Double) { self.intent = intent; self.waitSeconds = waitSeconds }

    enum CodingKeys: String, CodingKey, CaseIterable { case intent, waitSeconds = "wait_seconds" }

    public init(from decoder: any Decoder) throws {
        try WireKeys.refuseUnknown(decoder, CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intent = try c.decode(WireIntent.self, forKey: .intent).value
        waitSeconds = try c.decode(Double.self, forKey: .waitSeconds)
        guard waitSeconds.isFinite, Self.waitRange.contains(waitSeconds) else {
            throw WireKeys.invalid(decoder, "wait_seconds", "\(waitSeconds)", "must be 1...3600")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(WireIntent(intent), forKey: .intent)
        try c.encode(waitSeconds, forKey: .waitSeconds)
    }
}

/// `chrony.preview`: what the agent would write for this intent, without writing it.
public struct ChronyPreviewParams: Sendable, Equatable, Codable {
    public var intent: ChronyIntent
    public init(intent: ChronyIntent) { self.intent = intent }

    enum CodingKeys: String, CodingKey, CaseIterable { case intent }

    public init(from decoder: any Decoder) throws {
        try WireKeys.refuseUnknown(decoder, CodingKeys.allCases.map(\.rawValue))
        intent = try decoder.container(keyedBy: CodingKeys.self).decode(WireIntent.self, forKey: .intent).value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(WireIntent(intent), forKey: .intent)
    }
}

public struct ChronyPreviewResult: Sendable, Equatable, Codable {
    /// The chrony.conf the agent would write, rendered by the agent with its own settings.
    public var config: String
    /// The file as it is now (nil when absent), so the plan diffs the two texts of one moment.
    public var current: String?
    /// False when `chrony.apply` with this intent would write nothing and restart nothing.
    public var changed: Bool
    /// The keyfile, described without its material: nil when the node has none and gets none.
    public var keys: KeysPreview?

    public init(config: String, current: String?, changed: Bool, keys: KeysPreview? = nil) {
        self.config = config; self.current = current; self.changed = changed; self.keys = keys
    }

    /// Which key ids the node's keyfile holds now and would hold, and whether its bytes would
    /// change (same ids with new material counts as a change). Never the keys themselves.
    public struct KeysPreview: Sendable, Equatable, Codable {
        public var currentIDs: [UInt32]
        public var plannedIDs: [UInt32]
        public var changed: Bool
        public init(currentIDs: [UInt32], plannedIDs: [UInt32], changed: Bool) {
            self.currentIDs = currentIDs; self.plannedIDs = plannedIDs; self.changed = changed
        }
        enum CodingKeys: String, CodingKey { case changed, currentIDs = "current_ids", plannedIDs = "planned_ids" }
    }
}

/// The JSON shape of a `ChronyIntent`: snake_case fields, addresses and subnets as strings,
/// sources as objects (`address`, `prefer`, `key`), keys as `{"id", "type", "hex"}`. An error
/// about a key never echoes its `hex`.
struct WireIntent: Codable {
    var value: ChronyIntent
    init(_ value: ChronyIntent) { self.value = value }

    enum Key: String, CodingKey, CaseIterable {
        case cluster, node, role, orphan, servers, peers, allow
        case manualTime = "manual_time", rtcSync = "rtc_sync", keys
    }

    struct KeyEntry: Codable {
        var value: NTPKey
        init(_ value: NTPKey) { self.value = value }
        enum Field: String, CodingKey, CaseIterable { case id, type, hex }

        init(from decoder: any Decoder) throws {
            try WireKeys.refuseUnknown(decoder, Field.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: Field.self)
            let id = try c.decode(UInt32.self, forKey: .id)
            let typeText = try c.decode(String.self, forKey: .type)
            guard let kind = NTPKey.Kind(rawValue: typeText) else {
                throw WireKeys.invalid(decoder, "type", typeText, "must be AES128 or SHA256")
            }
            guard let material = NTPKey.bytes(hex: try c.decode(String.self, forKey: .hex)) else {
                throw WireKeys.invalid(decoder, "hex", "(hidden)", "must be hex digits, two a byte")
            }
            value = NTPKey(id: id, kind: kind, material: material)
            do { try value.validate() } catch { throw WireKeys.invalid(decoder, error.field, error.value, error.problem) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Field.self)
            try c.encode(value.id, forKey: .id)
            try c.encode(value.kind.rawValue, forKey: .type)
            try c.encode(value.hex, forKey: .hex)
        }
    }

    struct Source: Codable {
        var value: ChronyIntent.Source
        init(_ value: ChronyIntent.Source) { self.value = value }
        enum Key: String, CodingKey, CaseIterable { case address, prefer, key }

        init(from decoder: any Decoder) throws {
            try WireKeys.refuseUnknown(decoder, Key.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: Key.self)
            let text = try c.decode(String.self, forKey: .address)
            guard let address = IPAddress(text) else { throw WireKeys.invalid(decoder, "address", text, "is not an IP address") }
            let key = try c.decodeIfPresent(UInt32.self, forKey: .key)
            if let key, !NTPKey.idRange.contains(key) { throw WireKeys.invalid(decoder, "key", "\(key)", "must be \(NTPKey.idRange.lowerBound)-\(NTPKey.idRange.upperBound)") }
            value = ChronyIntent.Source(address: address, prefer: try c.decodeIfPresent(Bool.self, forKey: .prefer) ?? false, key: key)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(value.address.description, forKey: .address)
            if value.prefer { try c.encode(true, forKey: .prefer) }
            try c.encodeIfPresent(value.key, forKey: .key)
        }
    }

    init(from decoder: any Decoder) throws {
        try WireKeys.refuseUnknown(decoder, Key.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: Key.self)
        let nodeText = try c.decode(String.self, forKey: .node)
        guard let node = Hostname(nodeText) else { throw WireKeys.invalid(decoder, "node", nodeText, "is not a host name") }
        let roleText = try c.decode(String.self, forKey: .role)
        guard let role = ChronyIntent.Role(rawValue: roleText) else { throw WireKeys.invalid(decoder, "role", roleText, "must be \"server\" or \"client\"") }
        let allowTexts = try c.decodeIfPresent([String].self, forKey: .allow) ?? []
        var allow: [CIDR] = []
        for (index, text) in allowTexts.enumerated() {
            guard let subnet = CIDR(text) else { throw WireKeys.invalid(decoder, "allow[\(index)]", text, "is not a CIDR subnet (host bits zero)") }
            allow.append(subnet)
        }
        value = ChronyIntent(
            cluster: try c.decode(String.self, forKey: .cluster), node: node, role: role,
            orphan: try c.decodeIfPresent(Bool.self, forKey: .orphan) ?? false,
            servers: try c.decodeIfPresent([Source].self, forKey: .servers)?.map(\.value) ?? [],
            peers: try c.decodeIfPresent([Source].self, forKey: .peers)?.map(\.value) ?? [],
            allow: allow,
            manualTime: try c.decodeIfPresent(Bool.self, forKey: .manualTime) ?? false,
            rtcSync: try c.decodeIfPresent(Bool.self, forKey: .rtcSync) ?? false,
            keys: try c.decodeIfPresent([KeyEntry].self, forKey: .keys)?.map(\.value) ?? [])
        do { try value.validate() } catch { throw WireKeys.invalid(decoder, error.field, error.value, error.problem) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(value.cluster, forKey: .cluster)
        try c.encode(value.node.description, forKey: .node)
        try c.encode(value.role.rawValue, forKey: .role)
        try c.encode(value.orphan, forKey: .orphan)
        try c.encode(value.servers.map(Source.init), forKey: .servers)
        try c.encode(value.peers.map(Source.init), forKey: .peers)
        try c.encode(value.allow.map(\.description), forKey: .allow)
        try c.encode(value.manualTime, forKey: .manualTime)
        try c.encode(value.rtcSync, forKey: .rtcSync)
        if !value.keys.isEmpty { try c.encode(value.keys.map(KeyEntry.init), forKey: .keys) }
    }
}

/// Strict decoding helpers: unknown keys are refused, and a bad value becomes a
/// `DecodingError` whose path names the field, which `RPCCodec.decode` turns into -32602.
enum WireKeys {
    struct Named: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func refuseUnknown(_ decoder: any Decoder, _ known: [String]) throws {
        let present = try decoder.container(keyedBy: Named.self).allKeys.map(\.stringValue).sorted()
        if let unknown = present.first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [Named(unknown)],
                                                    debugDescription: "unknown field (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }

    static func invalid(_ decoder: any Decoder, _ field: String, _ value: String, _ problem: String) -> DecodingError {
        var shown = String(value.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        if value.unicodeScalars.count > 80 { shown += "…" }
        return DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [Named(field)], debugDescription: "\"\(shown)\" \(problem)"))
    }
}
