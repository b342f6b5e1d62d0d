import JSONCore

/// One alert: a verdict change of a node or of the whole cluster (held for two surveys), a
/// reminder while not ok, or the recovery to ok. The JSON is the webhook body, the exec hook's
/// stdin and the API's event (protocol/schemas/event.schema.json).
public struct AlertEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A node or the cluster entered a new state (recovery is a change to ok).
        case verdictChanged = "verdict_changed"
        /// Still not ok, `repeat_hours` after the change or the last reminder.
        case reminder
    }

    /// Assigned by the history store (0 before it is stored).
    public var id: Int64
    public var kind: Kind
    public var cluster: String
    /// nil for the whole cluster.
    public var node: String?
    public var from: AlertState
    public var to: AlertState
    public var reasons: [String]
    /// Seconds since the epoch.
    public var time: Double

    public init(id: Int64 = 0, kind: Kind, cluster: String, node: String?, from: AlertState, to: AlertState,
                reasons: [String], time: Double) {
        self.id = id; self.kind = kind; self.cluster = cluster; self.node = node
        self.from = from; self.to = to; self.reasons = reasons; self.time = time
    }

    public var isRecovery: Bool { kind == .verdictChanged && to.isOK }

    public var json: JSONValue {
        .object([
            "id": .integer(id), "event": .string(kind.rawValue), "cluster": .string(cluster),
            "node": node.map(JSONValue.string) ?? .null, "from": .string(from.rawValue), "to": .string(to.rawValue),
            "recovery": .bool(isRecovery), "reasons": .array(reasons.map(JSONValue.string)), "time": .number(time),
        ])
    }
}
