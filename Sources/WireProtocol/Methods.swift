/// The methods an agent serves (protocol/PROTOCOL.md has params, results and errors).
public enum Method: String, Sendable, CaseIterable {
    case hello = "agent.hello"
    case ping = "agent.ping"
    case probe = "time.probe"
    case facts = "node.facts"
    case applyChrony = "chrony.apply"
    case previewChrony = "chrony.preview"
    case setTimezone = "time.set_timezone"
    case syncRTC = "time.sync_rtc"
    case setClock = "time.set_clock"
    case restartService = "service.restart"
    case disableTimeDaemons = "timesync.disable_others"
    case quorum = "cluster.quorum"
    case openNTP = "firewall.open_ntp"
}

public struct HelloParams: Sendable, Equatable, Codable {
    public var coordinatorVersion: String
    public var protocolVersions: [Int]

    public init(coordinatorVersion: String, protocolVersions: [Int]) {
        self.coordinatorVersion = coordinatorVersion
        self.protocolVersions = protocolVersions
    }

    enum CodingKeys: String, CodingKey {
        case coordinatorVersion = "coordinator_version"
        case protocolVersions = "protocol_versions"
    }
}

public struct HelloResult: Sendable, Equatable, Codable {
    public var node: String
    public var agentVersion: String
    public var protocolVersion: Int
    public var capabilities: [String]

    public init(node: String, agentVersion: String, protocolVersion: Int, capabilities: [String]) {
        self.node = node
        self.agentVersion = agentVersion
        self.protocolVersion = protocolVersion
        self.capabilities = capabilities
    }

    enum CodingKeys: String, CodingKey {
        case node
        case agentVersion = "agent_version"
        case protocolVersion = "protocol_version"
        case capabilities
    }
}

public struct PingResult: Sendable, Equatable, Codable {
    public var node: String
    public var uptimeSeconds: Double

    public init(node: String, uptimeSeconds: Double) {
        self.node = node
        self.uptimeSeconds = uptimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case node
        case uptimeSeconds = "uptime_seconds"
    }
}

public struct ProbeParams: Sendable, Equatable, Codable {
    /// The coordinator's send time (t1), echoed back for its bookkeeping; optional.
    public var clientSend: Timestamp?

    public init(clientSend: Timestamp? = nil) { self.clientSend = clientSend }

    enum CodingKeys: String, CodingKey { case clientSend = "client_send" }
}

public struct ProbeResult: Sendable, Equatable, Codable {
    /// When the agent read the request (t2) and when it wrote the answer (t3).
    public var receive: Timestamp
    public var send: Timestamp

    public init(receive: Timestamp, send: Timestamp) {
        self.receive = receive
        self.send = send
    }
}

/// Parameters of methods that take none.
public struct NoParams: Sendable, Equatable, Codable {
    public init() {}
}
