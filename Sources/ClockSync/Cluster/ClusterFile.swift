/// The cluster file (`/etc/meridian/cluster.json`, schema in protocol/cluster.schema.json):
/// which nodes exist, which serve time, what they allow, and how strict the verdicts are.
/// Values are typed, so nothing read from the file can inject a chrony directive.
public struct ClusterFile: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: Hostname
        public var address: IPAddress
        public init(name: Hostname, address: IPAddress) { self.name = name; self.address = address }
    }

    public enum RestartPolicy: String, Sendable, Equatable, CaseIterable {
        /// Restart chrony only; corosync and pve-cluster are left alone.
        case never
        /// Restart corosync one node at a time, waiting for quorum in between.
        case rolling
    }

    public enum FirewallPolicy: String, Sendable, Equatable, CaseIterable {
        case ignore, check, open
    }

    /// `ntp_auth`: whether chrony's NTP traffic inside the cluster is authenticated with
    /// symmetric keys that Meridian makes, keeps on the coordinator and sends to the nodes.
    public enum NTPAuth: String, Sendable, Equatable, CaseIterable {
        /// One key per client, one shared by the time-server peers (docs/ntp-auth.md).
        case keys
        /// Plain NTP; the default of cluster files written before the field existed.
        case off
    }

    public struct Options: Sendable, Equatable {
        public var rtcSync = true
        public var manualTime = false
        public var restartClusterServices = RestartPolicy.never
        public var firewall = FirewallPolicy.check
        public init() {}
    }

    public static let defaultPath = "/etc/meridian/cluster.json"
    public static let defaultCertificateDirectory = "/etc/meridian/certs"
    /// Ceph's `mon_clock_drift_allowed`.
    public static let defaultMaxOffset = 0.05

    public var name: String
    public var certificateDirectory: String
    public var timeServers: [Hostname]
    public var subnets: [CIDR]
    public var timezone: TimezoneName
    public var maxOffsetSeconds: Double
    public var nodes: [Node]
    public var options: Options
    /// `init` and the labs write `keys`; a file without the field reads as `off`, so an existing
    /// cluster does not change behaviour on an upgrade.
    public var ntpAuth: NTPAuth
    /// Set only by `meridian lab up`, to mark a lab's cluster file. It no longer shapes chrony.conf:
    /// the lab's per-node settings (address, port, socket, files) are in each agent's own config
    /// (`chrony.lab`), since paths never cross the wire. Kept so existing lab files still parse.
    public var lab: Lab?

    public struct Lab: Sendable, Equatable {
        public var directory: String
        public var serverPort: Int
        public init(directory: String, serverPort: Int = 11123) { self.directory = directory; self.serverPort = serverPort }
        public func nodeDirectory(_ node: String) -> String { directory + "/nodes/" + node }
    }

    public init(name: String, certificateDirectory: String = ClusterFile.defaultCertificateDirectory,
                timeServers: [Hostname], subnets: [CIDR], timezone: TimezoneName,
                maxOffsetSeconds: Double = ClusterFile.defaultMaxOffset, nodes: [Node], options: Options = Options(),
                ntpAuth: NTPAuth = .off) {
        self.name = name; self.certificateDirectory = certificateDirectory; self.timeServers = timeServers
        self.subnets = subnets; self.timezone = timezone; self.maxOffsetSeconds = maxOffsetSeconds
        self.nodes = nodes; self.options = options; self.ntpAuth = ntpAuth
    }

    /// Offsets above half the tolerance are a warning.
    public var warningOffsetSeconds: Double { maxOffsetSeconds / 2 }

    public func node(named name: String) -> Node? { nodes.first { $0.name.description == name } }
    public func isTimeServer(_ name: String) -> Bool { timeServers.contains { $0.description == name } }
    public var timeServerNodes: [Node] { timeServers.compactMap { node(named: $0.description) } }
    public var clientNodes: [Node] { nodes.filter { !isTimeServer($0.name.description) } }
    /// Several servers run chrony's orphan mode so the cluster keeps one time when one is down.
    public var usesOrphanMode: Bool { timeServers.count > 1 }

    /// Checks what the types alone cannot: references between fields, duplicates, ranges.
    /// Each error names the field path and the value.
    public func validate(timezoneExists: (String) -> Bool) throws(ClusterFileError) {
        guard Self.isSafeText(name), !name.isEmpty, name.count <= 64 else {
            throw ClusterFileError("name", name, "must be 1-64 characters without spaces, newlines or #")
        }
        guard certificateDirectory.hasPrefix("/"), Self.isSafeText(certificateDirectory) else {
            throw ClusterFileError("certs_dir", certificateDirectory, "must be an absolute path without spaces, newlines or #")
        }
        guard !nodes.isEmpty else { throw ClusterFileError("nodes", "[]", "must list at least one node") }
        var names: [String: Int] = [:]
        var addresses: [IPAddress: Int] = [:]
        for (index, node) in nodes.enumerated() {
            if let first = names[node.name.description.lowercased()] {
                throw ClusterFileError("nodes[\(index)].name", node.name.description, "duplicates nodes[\(first)].name")
            }
            if let first = addresses[node.address] {
                throw ClusterFileError("nodes[\(index)].address", node.address.description, "duplicates nodes[\(first)].address")
            }
            names[node.name.description.lowercased()] = index
            addresses[node.address] = index
        }
        guard (1...3).contains(timeServers.count) else {
            throw ClusterFileError("time_servers", timeServers.map(\.description).description, "must name 1 to 3 nodes")
        }
        for (index, server) in timeServers.enumerated() {
            guard node(named: server.description) != nil else {
                throw ClusterFileError("time_servers[\(index)]", server.description, "is not one of the nodes")
            }
            if timeServers[..<index].contains(server) {
                throw ClusterFileError("time_servers[\(index)]", server.description, "is listed twice")
            }
        }
        guard !subnets.isEmpty else { throw ClusterFileError("subnets", "[]", "must list the subnet(s) the nodes are in") }
        for server in timeServerNodes {
            guard subnets.contains(where: { $0.contains(server.address) }) else {
                throw ClusterFileError("subnets", subnets.map(\.description).joined(separator: ", "),
                                       "does not contain time server \(server.name) (\(server.address))")
            }
        }
        for (index, node) in nodes.enumerated() where !subnets.contains(where: { $0.contains(node.address) }) {
            throw ClusterFileError("nodes[\(index)].address", node.address.description,
                                   "is outside every subnet in \"subnets\", so the time servers would refuse it")
        }
        guard timezoneExists(timezone.description) else {
            throw ClusterFileError("timezone", timezone.description, "is not in the tz database (see timedatectl list-timezones)")
        }
        guard maxOffsetSeconds > 0, maxOffsetSeconds <= 10 else {
            throw ClusterFileError("tolerance.max_offset_seconds", "\(maxOffsetSeconds)", "must be above 0 and at most 10")
        }
    }

    /// Text that is safe to write into chrony.conf or a log line: no whitespace, newline or `#`.
    static func isSafeText(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0.value < 0x21 || $0 == "#" || $0.value == 0x7F }
    }
}

/// An invalid cluster file value: the field path, the value, and what is wrong with it.
public struct ClusterFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var value: String
    public var problem: String

    public init(_ path: String, _ value: String, _ problem: String) {
        self.path = path
        self.value = value
        self.problem = problem
    }

    public var description: String { "\(path): \"\(value)\" \(problem)" }
}
