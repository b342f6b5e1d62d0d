/// The cluster's NTP keys as the coordinator keeps them (never on a node as a whole): one key per
/// client node, so a client cannot impersonate a time server to another client, and one key the
/// time servers share for their orphan-mode peering. During `meridian keys rotate` a second
/// generation exists beside the first until every client has switched to it.
public struct ClusterKeys: Sendable, Equatable {
    public struct Generation: Sendable, Equatable {
        public var peer: NTPKey
        /// Client node name → its key.
        public var clients: [String: NTPKey]
        public init(peer: NTPKey, clients: [String: NTPKey]) { self.peer = peer; self.clients = clients }
        public var all: [NTPKey] { [peer] + clients.values.sorted { $0.id < $1.id } }
    }

    /// Which generation a client uses in the intent the coordinator builds.
    public enum ClientStage: Sendable, Equatable {
        /// The current keys (every apply, and rotation's first and last step).
        case current
        /// The new keys of the rotation under way (rotation's middle step).
        case next
    }

    public var current: Generation
    public var next: Generation?
    public var kind: NTPKey.Kind

    public init(current: Generation, next: Generation? = nil, kind: NTPKey.Kind = .aes128) {
        self.current = current; self.next = next; self.kind = kind
    }

    public var allKeys: [NTPKey] { current.all + (next?.all ?? []) }
    public var usedIDs: Set<UInt32> { Set(allKeys.map(\.id)) }

    /// A source of random bytes: the coordinator passes OpenSSL's `RAND_bytes`; ClockSync
    /// itself never reads the machine.
    public typealias Random = (Int) throws -> [UInt8]

    /// A fresh generation for `cluster`: a new peer key and one new key per client, on ids no
    /// key in `avoiding` uses (so old and new can sit in one keyfile).
    public static func generation(for cluster: ClusterFile, kind: NTPKey.Kind, avoiding used: Set<UInt32>,
                                  random: Random) throws -> Generation {
        var taken = used
        func key() throws -> NTPKey {
            guard let id = NTPKey.idRange.first(where: { !taken.contains($0) }) else {
                throw NTPKeyError("id", "\(taken.count) ids in use", "no free key id left")
            }
            taken.insert(id)
            let material = try random(kind.byteCount)
            let made = NTPKey(id: id, kind: kind, material: material)
            try made.validate()
            return made
        }
        let peer = try key()
        var clients: [String: NTPKey] = [:]
        for node in cluster.clientNodes { clients[node.name.description] = try key() }
        return Generation(peer: peer, clients: clients)
    }

    public static func generate(for cluster: ClusterFile, kind: NTPKey.Kind = .aes128, random: Random) throws -> ClusterKeys {
        ClusterKeys(current: try generation(for: cluster, kind: kind, avoiding: [], random: random), kind: kind)
    }

    /// The keys after the cluster file changed: a new client gets a key (in every generation
    /// that exists), a node that is no longer a client loses its key. Returns whether it changed.
    @discardableResult
    public mutating func update(for cluster: ClusterFile, random: Random) throws -> Bool {
        let clients = Set(cluster.clientNodes.map(\.name.description))
        let before = self
        var taken = usedIDs
        let kind = kind
        func fill(_ generation: Generation) throws -> Generation {
            var generation = generation
            generation.clients = generation.clients.filter { clients.contains($0.key) }
            for name in clients.sorted() where generation.clients[name] == nil {
                guard let id = NTPKey.idRange.first(where: { !taken.contains($0) }) else {
                    throw NTPKeyError("id", "\(taken.count) ids in use", "no free key id left")
                }
                taken.insert(id)
                let key = NTPKey(id: id, kind: kind, material: try random(kind.byteCount))
                try key.validate()
                generation.clients[name] = key
            }
            return generation
        }
        let updated = try fill(current)
        let pending = try next.map(fill)
        current = updated
        next = pending
        return self != before
    }

    /// Starts a rotation: a new generation on ids the current one does not use. A rotation
    /// already under way is kept (an interrupted `keys rotate` resumes with the same keys).
    public mutating func beginRotation(for cluster: ClusterFile, random: Random) throws {
        guard next == nil else { return }
        next = try Self.generation(for: cluster, kind: kind, avoiding: usedIDs, random: random)
    }

    /// Ends a rotation: the new generation becomes the only one.
    public mutating func finishRotation() {
        guard let next else { return }
        current = next
        self.next = nil
    }

    /// What `nodeName` gets in its intent. A time server holds every client key of every
    /// generation (it must answer old and new during a rotation) and the current peer key; a
    /// client holds only its own key of the stage's generation. nil for a node with no key.
    public func assignment(for nodeName: String, in cluster: ClusterFile, stage: ClientStage = .current)
        -> (keys: [NTPKey], sourceKey: UInt32?)? {
        if cluster.isTimeServer(nodeName) {
            let keys = (current.all + (next?.all ?? [])).filter { $0.id != next?.peer.id }
            return (keys, current.peer.id)
        }
        let generation = stage == .next ? (next ?? current) : current
        guard let key = generation.clients[nodeName] else { return nil }
        return ([key], key.id)
    }
}
