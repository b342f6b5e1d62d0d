import JSONCore

/// One apply started through the API, as `cluster.job` shows it. Kept in memory by `JobManager`
/// and in `state_dir/jobs.jsonl`, so a job the daemon was killed in shows as interrupted.
public struct Job: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, CaseIterable {
        case running, finished, failed
        /// Found "started" without "finished" in the journal at start-up: the daemon died mid-job.
        case interrupted
    }

    /// One node's step, as `Apply` reports it (`node`, `step`, `outcome`, `detail`).
    public struct Step: Sendable, Equatable {
        public var node: String
        public var step: String
        public var outcome: String
        public var detail: String

        public init(node: String, step: String, outcome: String, detail: String) {
            self.node = node; self.step = step; self.outcome = outcome; self.detail = detail
        }

        public var json: JSONValue {
            .object(["node": .string(node), "step": .string(step), "outcome": .string(outcome), "detail": .string(detail)])
        }
    }

    /// A progress line and when it was written (seconds since the epoch).
    public struct Line: Sendable, Equatable {
        public var time: Double
        public var text: String
    }

    /// At most this many progress lines are kept per job (a 256-node apply writes about 800).
    public static let maxLines = 2000

    public var id: String
    public var kind: String
    public var state: State
    public var steps: [Step] = []
    public var lines: [Line] = []
    /// The cluster verdict at the end (`ok`, `warning`, `critical`, `unknown`), nil while running.
    public var verdict: String?
    public var started: Double
    public var ended: Double?
    public var startedBy: String

    public init(id: String, kind: String, state: State = .running, started: Double, startedBy: String) {
        self.id = id; self.kind = kind; self.state = state; self.started = started; self.startedBy = startedBy
    }

    mutating func append(line: String, at time: Double) {
        if lines.count < Self.maxLines { lines.append(Line(time: time, text: line)) }
    }

    public var json: JSONValue {
        .object([
            "job": .string(id), "kind": .string(kind), "state": .string(state.rawValue),
            "steps": .array(steps.map(\.json)),
            "lines": .array(lines.map { .object(["time": .number($0.time), "line": .string($0.text)]) }),
            "verdict": verdict.map(JSONValue.string) ?? .null, "started": .number(started),
            "ended": ended.map(JSONValue.number) ?? .null, "started_by": .string(startedBy),
        ])
    }

    /// The list entry (`cluster.jobs`): everything but the steps and lines.
    public var summaryJSON: JSONValue {
        .object([
            "job": .string(id), "kind": .string(kind), "state": .string(state.rawValue),
            "verdict": verdict.map(JSONValue.string) ?? .null, "started": .number(started),
            "ended": ended.map(JSONValue.number) ?? .null, "started_by": .string(startedBy),
        ])
    }
}
