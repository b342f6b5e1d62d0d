/// One line of `meridian ping`: what one agent answered, or why it could not. The JSON shape is
/// part of the contract (protocol/PROTOCOL.md, protocol/schemas/ping-output.schema.json).
public struct PingReport: Codable, Sendable, Equatable {
    public var target: String
    public var ok: Bool
    public var node: String?
    public var agentVersion: String?
    public var error: String?
    /// Round trip of the best probe (smallest delay), in seconds.
    public var rttSeconds: Double?
    /// The agent's clock minus ours; positive when the agent's clock is ahead.
    public var offsetSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case target, ok, node, error
        case agentVersion = "agent_version"
        case rttSeconds = "rtt_seconds"
        case offsetSeconds = "offset_seconds"
    }

    public init(target: String, ok: Bool, node: String? = nil, agentVersion: String? = nil, error: String? = nil,
                rttSeconds: Double? = nil, offsetSeconds: Double? = nil) {
        self.target = target; self.ok = ok; self.node = node; self.agentVersion = agentVersion
        self.error = error; self.rttSeconds = rttSeconds; self.offsetSeconds = offsetSeconds
    }
}
