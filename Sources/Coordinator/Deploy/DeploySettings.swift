import HostSystem
import JSONCore
import SecureTransport

/// How `meridian deploy` reaches and sets up nodes (JSON, `--settings FILE`; every field optional).
///
///     {"user": "root", "port": 22, "known_hosts": "/etc/pve/priv/known_hosts", "identity": null,
///      "ssh_options": [], "package": null, "agent_binary": "/usr/bin/meridian-agent",
///      "install": ["dpkg", "-i"], "start": ["systemctl", "enable", "--now", "meridian-agent.service"],
///      "restart": ["systemctl", "restart", "meridian-agent.service"], "root": "",
///      "nodes": {"pve2": {"port": 2222}}}
///
/// Proxmox VE nodes already trust each other as root over SSH with the cluster's known_hosts,
/// so the defaults need no settings file at all.
public struct DeploySettings: Sendable, Equatable, Decodable {
    public struct Node: Sendable, Equatable, Decodable {
        public var user: String?
        public var port: Int?
        public var root: String?
        public var install: [String]?
        public var start: [String]?
        public var restart: [String]?
        public var stop: [String]?

        public init(user: String? = nil, port: Int? = nil, root: String? = nil, install: [String]? = nil,
                    start: [String]? = nil, restart: [String]? = nil, stop: [String]? = nil) {
            self.user = user; self.port = port; self.root = root; self.install = install
            self.start = start; self.restart = restart; self.stop = stop
        }
    }

    public var user = "root"
    public var port = 22
    public var knownHosts = "/etc/pve/priv/known_hosts"
    public var identity: String?
    public var sshOptions: [String] = []
    /// A .deb to copy and install with `install` (its path is appended).
    public var package: String?
    /// Otherwise this binary is copied to ROOT/usr/bin/meridian-agent, with the unit file
    /// `unit_file` (the one the package installed on this machine) when it exists.
    public var agentBinary = "/usr/bin/meridian-agent"
    public var unitFile = "/lib/systemd/system/meridian-agent.service"
    public var install = ["dpkg", "-i"]
    /// daemon-reload first: without a package, deploy itself installs the unit file.
    public var start = ["sh", "-c", "systemctl daemon-reload && systemctl enable --now meridian-agent.service"]
    public var restart = ["systemctl", "restart", "meridian-agent.service"]
    /// `meridian undeploy`: stop the agent, then remove it (package mode) or its binary.
    public var stop = ["systemctl", "disable", "--now", "meridian-agent.service"]
    public var remove = ["dpkg", "--purge", "meridian"]
    /// Prefix for every remote path (tests give each node its own).
    public var root = ""
    public var nodes: [String: Node] = [:]

    public init() {}

    enum Key: String, CodingKey, CaseIterable {
        case user, port, identity, package, install, start, restart, stop, remove, root, nodes
        case knownHosts = "known_hosts"
        case sshOptions = "ssh_options"
        case agentBinary = "agent_binary"
        case unitFile = "unit_file"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let defaults = DeploySettings()
        user = try c.decodeIfPresent(String.self, forKey: .user) ?? defaults.user
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port
        knownHosts = try c.decodeIfPresent(String.self, forKey: .knownHosts) ?? defaults.knownHosts
        identity = try c.decodeIfPresent(String.self, forKey: .identity)
        sshOptions = try c.decodeIfPresent([String].self, forKey: .sshOptions) ?? []
        package = try c.decodeIfPresent(String.self, forKey: .package)
        agentBinary = try c.decodeIfPresent(String.self, forKey: .agentBinary) ?? defaults.agentBinary
        unitFile = try c.decodeIfPresent(String.self, forKey: .unitFile) ?? defaults.unitFile
        install = try c.decodeIfPresent([String].self, forKey: .install) ?? defaults.install
        start = try c.decodeIfPresent([String].self, forKey: .start) ?? defaults.start
        restart = try c.decodeIfPresent([String].self, forKey: .restart) ?? defaults.restart
        stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? defaults.stop
        remove = try c.decodeIfPresent([String].self, forKey: .remove) ?? defaults.remove
        root = try c.decodeIfPresent(String.self, forKey: .root) ?? ""
        nodes = try c.decodeIfPresent([String: Node].self, forKey: .nodes) ?? [:]
    }

    public static func load(_ path: String?) throws(CoordinatorError) -> DeploySettings {
        guard let path else { return DeploySettings() }
        do {
            guard let bytes = try AtomicFile.read(path) else { throw CoordinatorError(.notFound, "deploy settings \(path) do not exist") }
            return try JSONValueDecoder().decode(DeploySettings.self, from: JSONValue(parsing: bytes))
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.invalid, "deploy settings \(path): \(error)")
        }
    }

    func user(_ node: String) -> String { nodes[node]?.user ?? user }
    func port(_ node: String) -> Int { nodes[node]?.port ?? port }
    func root(_ node: String) -> String { nodes[node]?.root ?? root }
    func install(_ node: String) -> [String] { nodes[node]?.install ?? install }
    func start(_ node: String) -> [String] { nodes[node]?.start ?? start }
    func restart(_ node: String) -> [String] { nodes[node]?.restart ?? restart }
    func stop(_ node: String) -> [String] { nodes[node]?.stop ?? stop }
}
