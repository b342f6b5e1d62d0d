/// Renders the whole chrony.conf of one node. Meridian owns the file: there is no `pool`,
/// `sourcedir` or `confdir` line, because in an offline cluster any of them would leak an
/// unreachable or foreign source into the selection. Output is deterministic, byte for byte.
public enum ChronyConf {
    public static let path = "/etc/chrony/chrony.conf"

    /// Settings for the loopback lab: many chronyd on one machine, each bound to its own
    /// address, with its own command socket and files, polling fast.
    public struct LabOptions: Sendable, Equatable {
        public var directory: String
        public var serverPort: Int
        public var fastPolling: Bool

        public init(directory: String, serverPort: Int = 11123, fastPolling: Bool = true) {
            self.directory = directory
            self.serverPort = serverPort
            self.fastPolling = fastPolling
        }
    }

    public enum RenderError: Error, Equatable, CustomStringConvertible {
        case unknownNode(String)
        public var description: String {
            switch self { case .unknownNode(let name): "node \(name) is not in the cluster file" }
        }
    }

    public static func render(for nodeName: String, in cluster: ClusterFile, lab: LabOptions? = nil) throws(RenderError) -> String {
        guard let node = cluster.node(named: nodeName) else { throw RenderError.unknownNode(nodeName) }
        let lab = lab ?? cluster.lab.map { LabOptions(directory: $0.nodeDirectory(nodeName), serverPort: $0.serverPort) }
        let isServer = cluster.isTimeServer(nodeName)
        var lines: [String] = [
            "# Managed by Meridian for cluster \(cluster.name), node \(node.name) (\(isServer ? "time server" : "client")).",
            "# Do not edit: `meridian apply` overwrites this file (the previous one is kept as chrony.conf.meridian-backup).",
            "",
        ]
        let polling = lab?.fastPolling == true ? " minpoll -2 maxpoll 0" : ""
        let port = lab.map { " port \($0.serverPort)" } ?? ""
        if isServer {
            lines.append("# Serve the cluster from the local clock when no better source exists.")
            lines.append(cluster.usesOrphanMode ? "local stratum 10 orphan" : "local stratum 10")
            for subnet in cluster.subnets { lines.append("allow \(subnet)") }
            let others = cluster.timeServerNodes.filter { $0.name != node.name }
            if !others.isEmpty {
                lines.append("# The other time servers: in orphan mode they agree on one time between them.")
                for other in others { lines.append("peer \(other.address)\(port)\(polling)") }
            }
            if cluster.options.manualTime { lines.append("manual") }
            if cluster.options.rtcSync { lines.append("rtcsync") }
        } else {
            lines.append("# The cluster's time servers; no pool, no internet.")
            for (index, server) in cluster.timeServerNodes.enumerated() {
                lines.append("server \(server.address)\(port) iburst\(index == 0 ? " prefer" : "")\(polling)")
            }
        }
        lines.append("makestep 1 3")
        if let lab {
            let dir = lab.directory
            lines += [
                "", "# Loopback lab: own address, ports, socket and files; chronyd runs with -x.",
                "user root",
                "bindaddress \(node.address)",
                isServer ? "port \(lab.serverPort)" : "port 0",
                "cmdport 0",
                "bindcmdaddress \(dir)/run/chronyd.sock",
                "pidfile \(dir)/run/chronyd.pid",
                "driftfile \(dir)/chrony.drift",
            ]
        } else {
            lines += [
                "driftfile /var/lib/chrony/chrony.drift",
                "ntsdumpdir /var/lib/chrony",
                "logdir /var/log/chrony",
                "leapsectz right/UTC",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Directives in a current chrony.conf that let sources in from outside Meridian's plan.
    public static func foreignSources(in config: String) -> [String] {
        TextInput.lines(config).compactMap { line -> String? in
            let trimmed = line.trimmingWhitespace
            guard let word = trimmed.split(separator: " ").first else { return nil }
            switch word {
            case "pool", "sourcedir", "confdir", "include": return trimmed
            default: return nil
            }
        }
    }
}
