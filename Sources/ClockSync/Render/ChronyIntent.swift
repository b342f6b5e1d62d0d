/// What the coordinator wants one node's chronyd to do, as typed values (STYLE.md habit 13).
/// It crosses the wire in `chrony.apply` and `chrony.preview`; the agent renders chrony.conf
/// from it with `ChronyConf.render(_:local:)`, adding the paths from its own configuration. No
/// field can name a file, a directive or a free text that lands in chrony.conf unchecked.
public struct ChronyIntent: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable {
        /// Serves the cluster from its local clock (and peers the other time servers).
        case server
        /// Follows the cluster's time servers.
        case client
    }

    /// One NTP source: a `server` line on a client, a `peer` line on a time server. A struct, not
    /// a bare address, so per-source options have a home: `prefer`, and the id of the key (one of
    /// the intent's `keys`) that authenticates the source (`server … key N`, `peer … key N`).
    public struct Source: Sendable, Equatable {
        public var address: IPAddress
        public var prefer: Bool
        public var key: UInt32?
        public init(address: IPAddress, prefer: Bool = false, key: UInt32? = nil) { self.address = address; self.prefer = prefer; self.key = key }
    }

    /// Limits a valid intent stays in; the cluster file allows 1 to 3 time servers.
    public static let maxServers = 3
    public static let maxPeers = 2
    public static let maxAllow = 32
    /// A time server of a 200-node lab holds 199 client keys twice during a rotation, plus peers.
    public static let maxKeys = 1024

    /// The cluster's name, for the header comment.
    public var cluster: String
    /// The node this file is for; the agent refuses an intent meant for another node.
    public var node: Hostname
    public var role: Role
    /// `local stratum 10 orphan` rather than `local stratum 10` (several time servers).
    public var orphan: Bool
    public var servers: [Source]
    public var peers: [Source]
    /// Subnets a time server answers (`allow`).
    public var allow: [CIDR]
    /// `manual`: lets `chronyc settime` (and so `meridian clock set`) step the clock.
    public var manualTime: Bool
    /// `rtcsync`: the kernel keeps the RTC in step.
    public var rtcSync: Bool
    /// The NTP keys this node's keyfile holds (secret: they travel only inside mutual TLS). Empty:
    /// no keyfile, no authentication. Non-empty: chrony.conf names the keyfile and selects only
    /// authenticated sources (`authselectmode require`).
    public var keys: [NTPKey]

    public init(cluster: String, node: Hostname, role: Role, orphan: Bool = false, servers: [Source] = [], peers: [Source] = [],
                allow: [CIDR] = [], manualTime: Bool = false, rtcSync: Bool = false, keys: [NTPKey] = []) {
        self.cluster = cluster; self.node = node; self.role = role; self.orphan = orphan; self.servers = servers
        self.peers = peers; self.allow = allow; self.manualTime = manualTime; self.rtcSync = rtcSync; self.keys = keys
    }

    public var authenticates: Bool { !keys.isEmpty }

    /// The addresses a client waits for: one of them must be selected before `chrony.apply` succeeds.
    public var serverAddresses: [String] { servers.map(\.address.description) }

    /// The intent the cluster file gives `nodeName`: time servers serve their subnets and peer
    /// each other (orphan mode when there are several); clients follow every time server and
    /// prefer the first.
    /// With `ntp_auth: keys` the coordinator passes its `ClusterKeys`: a time server gets every
    /// client key and keys its peers, a client gets its own key and keys its servers with it.
    public init(for nodeName: String, in cluster: ClusterFile, keys: ClusterKeys? = nil,
                stage: ClusterKeys.ClientStage = .current) throws(ChronyConf.RenderError) {
        guard let node = cluster.node(named: nodeName) else { throw ChronyConf.RenderError.unknownNode(nodeName) }
        var assigned: (keys: [NTPKey], sourceKey: UInt32?)?
        if cluster.ntpAuth == .keys {
            guard let keys, let found = keys.assignment(for: nodeName, in: cluster, stage: stage) else {
                throw ChronyConf.RenderError.noKey(nodeName)
            }
            assigned = found
        }
        let key = assigned?.sourceKey
        if cluster.isTimeServer(nodeName) {
            self.init(cluster: cluster.name, node: node.name, role: .server, orphan: cluster.usesOrphanMode,
                      peers: cluster.timeServerNodes.filter { $0.name != node.name }.map { Source(address: $0.address, key: key) },
                      allow: cluster.subnets, manualTime: cluster.options.manualTime, rtcSync: cluster.options.rtcSync,
                      keys: assigned?.keys ?? [])
        } else {
            self.init(cluster: cluster.name, node: node.name, role: .client,
                      servers: cluster.timeServerNodes.enumerated().map { Source(address: $0.element.address, prefer: $0.offset == 0, key: key) },
                      keys: assigned?.keys ?? [])
        }
    }

    /// What the types alone cannot say: counts, duplicates, and fields that do not belong to the
    /// role. The error names the field (as on the wire) and the value.
    public func validate() throws(ChronyIntentError) {
        guard !cluster.isEmpty, cluster.count <= 64, ClusterFile.isSafeText(cluster) else {
            throw ChronyIntentError("cluster", cluster, "must be 1-64 characters without spaces, newlines or #")
        }
        guard servers.count <= Self.maxServers else { throw ChronyIntentError("servers", "\(servers.count) entries", "must list at most \(Self.maxServers)") }
        guard peers.count <= Self.maxPeers else { throw ChronyIntentError("peers", "\(peers.count) entries", "must list at most \(Self.maxPeers)") }
        guard allow.count <= Self.maxAllow else { throw ChronyIntentError("allow", "\(allow.count) entries", "must list at most \(Self.maxAllow)") }
        for (field, sources) in [("servers", servers), ("peers", peers)] {
            for (index, source) in sources.enumerated() where sources[..<index].contains(where: { $0.address == source.address }) {
                throw ChronyIntentError("\(field)[\(index)].address", source.address.description, "is listed twice")
            }
            if sources.filter(\.prefer).count > 1 { throw ChronyIntentError(field, "\(sources.filter(\.prefer).count) preferred", "may prefer one source at most") }
        }
        guard keys.count <= Self.maxKeys else { throw ChronyIntentError("keys", "\(keys.count) entries", "must list at most \(Self.maxKeys)") }
        var ids: Set<UInt32> = []
        for (index, key) in keys.enumerated() {
            do { try key.validate() } catch { throw ChronyIntentError("keys[\(index)].\(error.field)", error.value, error.problem) }
            guard ids.insert(key.id).inserted else { throw ChronyIntentError("keys[\(index)].id", "\(key.id)", "is listed twice") }
        }
        for (field, sources) in [("servers", servers), ("peers", peers)] {
            for (index, source) in sources.enumerated() {
                if let key = source.key, !ids.contains(key) {
                    throw ChronyIntentError("\(field)[\(index)].key", "\(key)", "is not one of the intent's keys")
                }
            }
        }
        switch role {
        case .server:
            guard servers.isEmpty else { throw ChronyIntentError("servers", "\(servers.count) entries", "must be empty for a time server (it peers, see \"peers\")") }
            guard !allow.isEmpty else { throw ChronyIntentError("allow", "[]", "must list the subnet(s) a time server answers") }
        case .client:
            guard !servers.isEmpty else { throw ChronyIntentError("servers", "[]", "must list the time server(s) a client follows") }
            guard peers.isEmpty else { throw ChronyIntentError("peers", "\(peers.count) entries", "must be empty for a client") }
            guard allow.isEmpty else { throw ChronyIntentError("allow", "\(allow.count) entries", "must be empty for a client (it serves nobody)") }
            guard !orphan else { throw ChronyIntentError("orphan", "true", "applies to time servers only") }
            guard !manualTime else { throw ChronyIntentError("manual_time", "true", "applies to time servers only") }
            guard !rtcSync else { throw ChronyIntentError("rtc_sync", "true", "applies to time servers only") }
            // A client holds its own key only: with another client's key it could pose as a time server.
            guard keys.count <= 1 else { throw ChronyIntentError("keys", "\(keys.count) entries", "must hold at most one key on a client (its own)") }
        }
    }
}

/// An intent value that is out of place or out of range: the wire field, the value, the problem.
public struct ChronyIntentError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var problem: String
    public init(_ field: String, _ value: String, _ problem: String) { self.field = field; self.value = value; self.problem = problem }
    public var description: String { "\(field): \"\(value)\" \(problem)" }
}
