import HostSystem
import ClockSync
import JSONCore
import SecureTransport

/// The coordinator's NTP keys: `ntp-keys.json` in the cluster's `certs_dir`, beside the CA key
/// (the directory already holds the cluster's secrets), mode 0600, replaced atomically. The
/// file is the only place that holds every key; nodes get only the ones they need.
///
///     {"kind": "AES128", "current": {"peer": {"id": 1, "hex": "…"}, "clients": {"node2": {"id": 2, "hex": "…"}}},
///      "next": null}
///
/// `next` is set while `meridian keys rotate` runs (an interrupted rotation resumes with it).
public enum NTPKeyStore {
    public static let fileName = "ntp-keys.json"

    public static func path(for cluster: ClusterFile) -> String { cluster.certificateDirectory + "/" + fileName }

    /// OpenSSL's generator, for `ClusterKeys`' pure functions.
    static func random(_ count: Int) throws -> [UInt8] { try SecureRandom.bytes(count) }

    /// The stored keys; nil when there is no key file yet.
    public static func load(_ path: String) throws(CoordinatorError) -> ClusterKeys? {
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(path, limit: 4 << 20) } catch { throw CoordinatorError(.io, "cannot read NTP keys \(path): \(error)") }
        guard let bytes else { return nil }
        do { return try decode(JSONValue(parsing: bytes)) } catch let error as CoordinatorError { throw error } catch {
            throw CoordinatorError(.invalid, "NTP keys \(path): not valid JSON")
        }
    }

    public static func save(_ keys: ClusterKeys, to path: String) throws(CoordinatorError) {
        do {
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: path), mode: 0o700)
            try AtomicFile.write(encode(keys).prettyText.utf8.map { $0 } + [0x0A], to: path, mode: 0o600)
        } catch {
            throw CoordinatorError(.io, "cannot write NTP keys \(path): \(error)")
        }
    }

    /// The keys `apply` sends: loaded, made on first use, completed for nodes added since (and
    /// saved when anything changed). nil when `ntp_auth` is off.
    public static func prepare(for cluster: ClusterFile, save: Bool = true) throws(CoordinatorError) -> ClusterKeys? {
        guard cluster.ntpAuth == .keys else { return nil }
        let path = path(for: cluster)
        do {
            if var keys = try load(path) {
                if try keys.update(for: cluster, random: random), save { try self.save(keys, to: path) }
                return keys
            }
            let keys = try ClusterKeys.generate(for: cluster, random: random)
            if save { try self.save(keys, to: path) }
            return keys
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.certificates, "cannot make NTP keys for \(path): \(error)")
        }
    }

    /// Turning authentication off on the cluster: the coordinator's copy goes too once every
    /// node has dropped its keys.
    public static func remove(for cluster: ClusterFile) { AtomicFile.remove(path(for: cluster)) }

    static func encode(_ keys: ClusterKeys) -> JSONValue {
        func key(_ key: NTPKey) -> JSONValue { .object(["id": .integer(Int64(key.id)), "hex": .string(key.hex)]) }
        func generation(_ generation: ClusterKeys.Generation) -> JSONValue {
            .object(["peer": key(generation.peer), "clients": .object(generation.clients.mapValues(key))])
        }
        return .object(["kind": .string(keys.kind.rawValue), "current": generation(keys.current),
                        "next": keys.next.map(generation) ?? .null])
    }

    static func decode(_ json: JSONValue) throws(CoordinatorError) -> ClusterKeys {
        func bad(_ field: String, _ problem: String) -> CoordinatorError { CoordinatorError(.invalid, "NTP keys: field \"\(field)\" \(problem)") }
        guard case .string(let kindText)? = json["kind"], let kind = NTPKey.Kind(rawValue: kindText) else {
            throw bad("kind", "must be AES128 or SHA256")
        }
        func key(_ value: JSONValue?, _ field: String) throws(CoordinatorError) -> NTPKey {
            guard case .integer(let id)? = value?["id"], let id32 = UInt32(exactly: id) else { throw bad("\(field).id", "must be a key id") }
            guard case .string(let hex)? = value?["hex"], let material = NTPKey.bytes(hex: hex) else { throw bad("\(field).hex", "must be hex digits") }
            let made = NTPKey(id: id32, kind: kind, material: material)
            do { try made.validate() } catch { throw bad("\(field).\(error.field)", error.problem) }
            return made
        }
        func generation(_ value: JSONValue?, _ field: String) throws(CoordinatorError) -> ClusterKeys.Generation {
            let peer = try key(value?["peer"], "\(field).peer")
            guard case .object(let clients)? = value?["clients"] else { throw bad("\(field).clients", "must be an object") }
            var keys: [String: NTPKey] = [:]
            for (name, entry) in clients { keys[name] = try key(entry, "\(field).clients.\(name)") }
            return ClusterKeys.Generation(peer: peer, clients: keys)
        }
        let current = try generation(json["current"], "current")
        var next: ClusterKeys.Generation?
        if let value = json["next"], value != .null { next = try generation(value, "next") }
        return ClusterKeys(current: current, next: next, kind: kind)
    }
}
