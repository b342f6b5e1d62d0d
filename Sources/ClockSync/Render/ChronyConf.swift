/// Renders the whole chrony.conf of one node from its intent and the node's own settings; the
/// agent calls it to write the file, `chrony.preview` to show the plan. Meridian owns the file:
/// there is no `pool`, `sourcedir` or `confdir` line, because in an offline cluster any of them
/// would leak an unreachable or foreign source into the selection. Output is deterministic.
public enum ChronyConf {
    public static let path = "/etc/chrony/chrony.conf"

    public enum RenderError: Error, Equatable, CustomStringConvertible {
        case unknownNode(String)
        /// `ntp_auth: keys` but the coordinator's key store has no key for the node.
        case noKey(String)
        public var description: String {
            switch self {
            case .unknownNode(let name): "node \(name) is not in the cluster file"
            case .noKey(let name): "ntp_auth is keys but the coordinator holds no NTP key for node \(name) (`meridian apply` makes them)"
            }
        }
    }

    /// Pure and total: a validated intent and validated settings always render (the agent checks
    /// both before it calls this).
    public static func render(_ intent: ChronyIntent, local: ChronyLocalSettings) -> String {
        let isServer = intent.role == .server
        var lines: [String] = [
            "# Managed by Meridian for cluster \(intent.cluster), node \(intent.node) (\(isServer ? "time server" : "client")).",
            "# Do not edit: `meridian apply` overwrites this file. Earlier versions are in \(local.backupDirectory):",
            "# \(ChronyBackups.originalName) (as it was before Meridian) and the last \(ChronyBackups.kept) with a timestamp.",
            "",
        ]
        let polling = local.lab?.fastPolling == true ? " minpoll -2 maxpoll 0" : ""
        let port = local.lab.map { " port \($0.ntpPort)" } ?? ""
        func key(_ source: ChronyIntent.Source) -> String { source.key.map { " key \($0)" } ?? "" }
        func options(_ source: ChronyIntent.Source) -> String { "\(port)\(source.prefer ? " prefer" : "")\(polling)\(key(source))" }
        if isServer {
            lines.append("# Serve the cluster from the local clock when no better source exists.")
            lines.append(intent.orphan ? "local stratum 10 orphan" : "local stratum 10")
            for subnet in intent.allow { lines.append("allow \(subnet)") }
            if !intent.peers.isEmpty {
                lines.append("# The other time servers: in orphan mode they agree on one time between them.")
                for peer in intent.peers { lines.append("peer \(peer.address)\(options(peer))") }
            }
            if intent.manualTime { lines.append("manual") }
            if intent.rtcSync { lines.append("rtcsync") }
        } else {
            lines.append("# The cluster's time servers; no pool, no internet.")
            for server in intent.servers {
                lines.append("server \(server.address)\(port) iburst\(server.prefer ? " prefer" : "")\(polling)\(key(server))")
            }
        }
        if intent.authenticates {
            lines.append("# NTP authentication: keys from Meridian (ids only here); only authenticated sources are selected.")
            lines.append("keyfile \(local.keyFile)")
            lines.append("authselectmode require")
        }
        lines.append("makestep 1 3")
        if let lab = local.lab {
            lines += [
                "", "# Loopback lab: own address, ports, socket and files; chronyd runs with -x.",
                "user root",
                "bindaddress \(lab.bindAddress)",
                isServer ? "port \(lab.ntpPort)" : "port 0",
                "cmdport 0",
                "bindcmdaddress \(lab.commandSocket)",
                "pidfile \(lab.pidFile)",
                "driftfile \(local.driftFile)",
            ]
        } else {
            lines += [
                "driftfile \(local.driftFile)",
                "ntsdumpdir \(local.ntsDumpDirectory)",
                "logdir \(local.logDirectory)",
                "leapsectz right/UTC",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The file the cluster file gives `nodeName` on a node with `local` settings (what the
    /// agent renders from the coordinator's intent; the golden files are made with it).
    public static func render(for nodeName: String, in cluster: ClusterFile, local: ChronyLocalSettings = ChronyLocalSettings(),
                              keys: ClusterKeys? = nil) throws(RenderError) -> String {
        render(try ChronyIntent(for: nodeName, in: cluster, keys: keys), local: local)
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

    /// The directories a chrony.conf reads more sources or directives from, with the file
    /// suffix chronyd reads there: `sourcedir DIR…` (`*.sources`), `confdir DIR…` (`*.conf`).
    public static func sourceDirectories(in config: String) -> [(directory: String, suffix: String)] {
        var found: [(String, String)] = []
        for line in TextInput.lines(config) {
            let words = line.trimmingWhitespace.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let directive = words.first, directive == "sourcedir" || directive == "confdir" else { continue }
            for directory in words.dropFirst() { found.append((String(directory), directive == "sourcedir" ? ".sources" : ".conf")) }
        }
        return found
    }
}
