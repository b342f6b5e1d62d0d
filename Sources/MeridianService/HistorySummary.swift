import GRDB
import JSONCore

/// A node's state changed between two consecutive points of its history.
public struct VerdictChange: Sendable, Equatable {
    public var time: Double
    public var from: AlertState
    public var to: AlertState

    public init(time: Double, from: AlertState, to: AlertState) { self.time = time; self.from = from; self.to = to }

    public var json: JSONValue { .object(["time": .number(time), "from": .string(from.rawValue), "to": .string(to.rawValue)]) }
}

/// What `meridian history` prints for one node over a window
/// (protocol/schemas/history-summary.schema.json).
public struct NodeHistorySummary: Sendable, Equatable {
    public var node: String
    /// Samples the window stands for (a roll-up counts as its samples).
    public var samples = 0
    /// Samples with a measured offset (the reference server and unreachable nodes have none).
    public var measured = 0
    public var worstOffsetSeconds: Double?
    public var p95OffsetSeconds: Double?
    /// |offset| above the cluster's `max_offset_seconds`, one sample interval per such sample.
    public var secondsOutOfTolerance = 0.0
    public var changes: [VerdictChange] = []
    public var first: Double?
    public var last: Double?
    public var lastState: AlertState?

    public init(node: String) { self.node = node }

    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return .object([
            "node": .string(node), "samples": .integer(Int64(samples)), "measured": .integer(Int64(measured)),
            "worst_abs_offset_seconds": number(worstOffsetSeconds), "p95_abs_offset_seconds": number(p95OffsetSeconds),
            "seconds_out_of_tolerance": .number(secondsOutOfTolerance),
            "verdict_changes": .array(changes.map(\.json)), "first": number(first), "last": number(last),
            "verdict": lastState.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// `meridian history --json`.
    public static func reportJSON(cluster: String, sinceSeconds: Double, until: Double, toleranceSeconds: Double,
                                  _ summaries: [NodeHistorySummary]) -> JSONValue {
        .object([
            "cluster": .string(cluster), "since_seconds": .number(sinceSeconds), "until": .number(until),
            "tolerance_seconds": .number(toleranceSeconds), "nodes": .array(summaries.map(\.json)),
        ])
    }

    /// The summary of `points` (oldest first). Pure, so the figures are tested on synthetic points.
    ///
    /// Beyond `raw_hours` only 5-minute roll-ups remain: a roll-up counts as `count` samples at
    /// its worst |offset| for the p95 (never better than the truth), and as out of tolerance
    /// for all its samples when its min and max both are (none when neither is; by its mean
    /// when it straddles the limit).
    public static func of(node: String, points: [HistoryPoint], toleranceSeconds: Double, intervalSeconds: Double) -> NodeHistorySummary {
        var summary = NodeHistorySummary(node: node)
        var weighted: [(value: Double, count: Int)] = []
        var previous: AlertState?
        for point in points {
            let count = max(1, point.count)
            let sample = point.sample
            summary.samples += count
            summary.first = summary.first ?? sample.time
            summary.last = sample.time
            if let previous, previous != sample.state {
                summary.changes.append(VerdictChange(time: sample.time, from: previous, to: sample.state))
            }
            previous = sample.state
            guard let offset = sample.offsetSeconds else { continue }
            let low = point.offsetMinSeconds ?? offset
            let high = point.offsetMaxSeconds ?? offset
            let worst = max(abs(low), abs(high), abs(offset))
            summary.measured += count
            summary.worstOffsetSeconds = max(summary.worstOffsetSeconds ?? worst, worst)
            weighted.append((worst, count))
            let allOut = (low > toleranceSeconds && high > toleranceSeconds) || (low < -toleranceSeconds && high < -toleranceSeconds)
            let someOut = worst > toleranceSeconds
            if allOut || (someOut && abs(offset) > toleranceSeconds) {
                summary.secondsOutOfTolerance += Double(count) * intervalSeconds
            }
        }
        summary.lastState = previous
        summary.p95OffsetSeconds = percentile(weighted, 0.95)
        return summary
    }

    /// Nearest rank: the smallest value with at least `fraction` of the samples at or below it.
    static func percentile(_ values: [(value: Double, count: Int)], _ fraction: Double) -> Double? {
        let total = values.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for entry in values.sorted(by: { $0.value < $1.value }) {
            seen += entry.count
            if seen >= rank { return entry.value }
        }
        return values.map(\.value).max()
    }
}

extension HistoryStore {
    /// The nodes the history knows, sorted.
    public func nodes() throws(ServiceError) -> [String] {
        do {
            return try queue.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT node FROM sample ORDER BY node") }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot list nodes: \(error)")
        }
    }

    /// Per node (all, or `node` alone) over `since <= time < until`: samples, worst and p95
    /// |offset|, time out of tolerance, verdict changes. `toleranceSeconds` is the cluster's
    /// `max_offset_seconds`, `intervalSeconds` the watch's `interval_seconds`.
    public func summary(node: String? = nil, since: Double, until: Double = .infinity,
                        toleranceSeconds: Double, intervalSeconds: Double) throws(ServiceError) -> [NodeHistorySummary] {
        let names: [String]
        if let node { names = [node] } else { names = try nodes() }
        var summaries: [NodeHistorySummary] = []
        for name in names {
            let points = try points(node: name, since: since, until: until)
            summaries.append(.of(node: name, points: points, toleranceSeconds: toleranceSeconds, intervalSeconds: intervalSeconds))
        }
        return summaries
    }
}
