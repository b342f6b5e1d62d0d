import HostSystem
import ClockSync
import JSONCore
import SecureTransport

/// Where the cluster file lives and how it is read and written on the coordinator. The pure
/// parsing and validation are ClockSync's; this adds the files (tz database, atomic writes).
public enum ClusterFileStore {
    /// `--cluster FILE`, else `$MERIDIAN_CLUSTER`, else /etc/meridian/cluster.json.
    public static func path(flag: String?) -> String {
        flag ?? ChildProcess.inheritedEnvironment["MERIDIAN_CLUSTER"] ?? ClusterFile.defaultPath
    }

    /// A zone exists when the tz database has a compiled zone file for it (as `timedatectl
    /// set-timezone` checks); `leapseconds`, `posixrules`, `right/…` and directories do not count.
    public static func timezoneExists(_ name: String) -> Bool {
        guard let zone = TimezoneName(name) else { return false }
        return zone.isInstalled { AtomicFile.isRegularFile($0) ? (try? AtomicFile.read($0, limit: 1 << 20)) ?? nil : nil }
    }

    public static func load(_ path: String) throws(CoordinatorError) -> ClusterFile {
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(path, limit: 4 << 20) } catch { throw CoordinatorError(.io, "cannot read cluster file \(path): \(error)") }
        guard let bytes else {
            throw CoordinatorError(.notFound, "cluster file \(path) does not exist; create it with `meridian init` (or pass --cluster FILE)")
        }
        do {
            return try ClusterFile.parse(json: bytes, timezoneExists: timezoneExists)
        } catch {
            throw CoordinatorError(.invalid, "cluster file \(path): \(error)")
        }
    }

    /// Writes atomically; refuses to replace an existing file unless `force`.
    public static func save(_ file: ClusterFile, to path: String, force: Bool) throws(CoordinatorError) {
        if !force && AtomicFile.exists(path) {
            throw CoordinatorError(.alreadyExists, "\(path) already exists; refusing to overwrite it without --force")
        }
        do {
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: path))
            try AtomicFile.write(Array(file.jsonText().utf8), to: path, mode: 0o644)
        } catch {
            throw CoordinatorError(.io, "cannot write \(path): \(error)")
        }
    }
}

/// `meridian init`: a cluster file from flags, or from a Proxmox corosync.conf nodelist.
public enum ClusterInit {
    public struct Request: Sendable {
        public var name: String?
        public var timeServers: [String] = []
        public var subnets: [String] = []
        public var timezone: String?
        /// `NAME=ADDRESS`.
        public var nodes: [String] = []
        public var corosyncPath: String?
        public var certificateDirectory: String?
        public var maxOffsetSeconds: Double?
        public var manualTime = false
        public var noRTCSync = false
        public var restartClusterServices: String?
        public var firewall: String?
        /// `ntp_auth` of a new file: keys unless asked otherwise (issue 12).
        public var ntpAuth = "keys"
        public init() {}
    }

    /// Builds and validates the file; nothing is written here. Every error names the flag or field.
    public static func build(_ request: Request) throws(CoordinatorError) -> ClusterFile {
        var nodes: [(String, String)] = []
        var name = request.name
        if let corosync = request.corosyncPath {
            let text: String
            do {
                guard let bytes = try AtomicFile.read(corosync) else { throw CoordinatorError(.notFound, "\(corosync) does not exist") }
                text = String(decoding: bytes, as: UTF8.self)
            } catch let error as CoordinatorError { throw error } catch {
                throw CoordinatorError(.io, "cannot read \(corosync): \(error)")
            }
            do {
                nodes = try CorosyncConf.nodes(in: text).map { ($0.name, $0.ring0Address) }
            } catch { throw CoordinatorError(.invalid, "\(corosync): \(error)") }
            name = name ?? CorosyncConf.clusterName(in: text)
        }
        for entry in request.nodes {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CoordinatorError(.usage, "--node \"\(entry)\": expected NAME=ADDRESS, like pve1=192.168.1.10")
            }
            nodes.append((String(parts[0]), String(parts[1])))
        }
        guard !nodes.isEmpty else { throw CoordinatorError(.usage, "no nodes: give --node NAME=ADDRESS (repeatable) or --from-corosync FILE") }
        let servers = request.timeServers.isEmpty ? [nodes[0].0] : request.timeServers
        guard !request.subnets.isEmpty else {
            throw CoordinatorError(.usage, "--subnet CIDR is required: the network the nodes share (chrony allows it on the time servers)")
        }
        guard let timezone = request.timezone ?? localTimezone() else {
            throw CoordinatorError(.usage, "--timezone is required (this machine's own zone could not be read)")
        }
        var options: [String: JSONValue] = ["manual_time": .bool(request.manualTime), "rtc_sync": .bool(!request.noRTCSync)]
        if let restart = request.restartClusterServices { options["restart_cluster_services"] = .string(restart) }
        if let firewall = request.firewall { options["firewall"] = .string(firewall) }
        var object: [String: JSONValue] = [
            "name": .string(name ?? "proxmox"),
            "time_servers": .array(servers.map(JSONValue.string)),
            "subnets": .array(request.subnets.map(JSONValue.string)),
            "timezone": .string(timezone),
            "nodes": .array(nodes.map { .object(["name": .string($0.0), "address": .string($0.1)]) }),
            "options": .object(options),
            "ntp_auth": .string(request.ntpAuth),
        ]
        if let certs = request.certificateDirectory { object["certs_dir"] = .string(certs) }
        if let offset = request.maxOffsetSeconds { object["tolerance"] = .object(["max_offset_seconds": .number(offset)]) }
        do {
            return try ClusterFile.parse(json: JSONValue.object(object).encodedBytes(), timezoneExists: ClusterFileStore.timezoneExists)
        } catch {
            throw CoordinatorError(.invalid, "\(error)")
        }
    }

    /// This machine's zone: /etc/timezone (Debian), else the /etc/localtime link target.
    static func localTimezone() -> String? {
        if let bytes = try? AtomicFile.read("/etc/timezone"), let zone = try? EtcTimezone.parse(String(decoding: bytes, as: UTF8.self)) {
            return zone
        }
        if let target = AtomicFile.symlinkTarget("/etc/localtime"), let range = target.range(ofZoneinfo: ()) {
            // `posix/Europe/Berlin` and `right/Europe/Berlin` are copies of the zone `Europe/Berlin`.
            let zone = String(target[range])
            for copy in ["posix/", "right/"] where zone.hasPrefix(copy) { return String(zone.dropFirst(copy.count)) }
            return zone
        }
        return nil
    }
}

extension String {
    /// The part after `zoneinfo/` in a link like `/usr/share/zoneinfo/Europe/Berlin`.
    fileprivate func range(ofZoneinfo: Void) -> Range<String.Index>? {
        let marker = "zoneinfo/"
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(marker) { return self.index(index, offsetBy: marker.count)..<endIndex }
            index = self.index(after: index)
        }
        return nil
    }
}
