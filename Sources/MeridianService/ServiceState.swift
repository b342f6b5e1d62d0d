import Coordinator
import JSONCore
import Synchronization

/// The result of one survey as the service keeps it.
public struct Snapshot: Sendable {
    public var status: StatusReport
    /// Seconds since the epoch when the survey started.
    public var time: Double
    /// How long the survey took (seconds).
    public var durationSeconds: Double
    public var samples: [NodeSample]

    public init(status: StatusReport, time: Double, durationSeconds: Double) {
        self.status = status; self.time = time; self.durationSeconds = durationSeconds
        samples = status.samples(at: time)
    }
}

/// How an alert target fares: shown in the service's status so a dead webhook is seen.
public struct TargetHealth: Sendable, Equatable {
    /// The webhook URL or the exec hook's program, or "journal".
    public var target: String
    public var delivered: Int = 0
    public var failed: Int = 0
    /// Events waiting for a retry.
    public var pending: Int = 0
    public var lastError: String?
    /// Seconds since the epoch of the last delivery attempt.
    public var lastAttempt: Double?

    public init(target: String) { self.target = target }

    public var json: JSONValue {
        .object([
            "target": .string(target), "delivered": .integer(Int64(delivered)), "failed": .integer(Int64(failed)),
            "pending": .integer(Int64(pending)), "last_error": lastError.map(JSONValue.string) ?? .null,
            "last_attempt": lastAttempt.map(JSONValue.number) ?? .null,
        ])
    }
}

/// What the running service knows now, shared by the watch loop (the one writer of snapshots),
/// the alerts, the API and the HTTP listener. Observers are called on the publisher's thread and
/// must not block (hand the work to a thread or queue of their own).
public final class ServiceState: Sendable {
    public typealias SnapshotObserver = @Sendable (Snapshot) -> Void
    public typealias EventObserver = @Sendable (AlertEvent) -> Void

    private struct Inner {
        var latest: Snapshot?
        var targets: [String: TargetHealth] = [:]
        var snapshotObservers: [UInt64: SnapshotObserver] = [:]
        var eventObservers: [UInt64: EventObserver] = [:]
        var nextToken: UInt64 = 1
    }

    private let inner = Mutex(Inner())
    public let clusterName: String
    /// Seconds since the epoch the service started.
    public let startedAt: Double

    public init(clusterName: String, startedAt: Double) {
        self.clusterName = clusterName
        self.startedAt = startedAt
    }

    public var latest: Snapshot? { inner.withLock { $0.latest } }

    public func publish(_ snapshot: Snapshot) {
        let observers = inner.withLock { state in
            state.latest = snapshot
            return Array(state.snapshotObservers.values)
        }
        for observer in observers { observer(snapshot) }
    }

    /// Tells every event observer (API subscribers); the event is already stored.
    public func announce(_ event: AlertEvent) {
        let observers = inner.withLock { Array($0.eventObservers.values) }
        for observer in observers { observer(event) }
    }

    @discardableResult
    public func observeSnapshots(_ observer: @escaping SnapshotObserver) -> UInt64 {
        inner.withLock { state in
            defer { state.nextToken += 1 }
            state.snapshotObservers[state.nextToken] = observer
            return state.nextToken
        }
    }

    @discardableResult
    public func observeEvents(_ observer: @escaping EventObserver) -> UInt64 {
        inner.withLock { state in
            defer { state.nextToken += 1 }
            state.eventObservers[state.nextToken] = observer
            return state.nextToken
        }
    }

    public func stopObserving(_ token: UInt64) {
        inner.withLock { state in
            state.snapshotObservers[token] = nil
            state.eventObservers[token] = nil
        }
    }

    public func updateTarget(_ target: String, _ change: (inout TargetHealth) -> Void) {
        inner.withLock { state in
            var health = state.targets[target] ?? TargetHealth(target: target)
            change(&health)
            state.targets[target] = health
        }
    }

    public var targets: [TargetHealth] { inner.withLock { $0.targets.values.sorted { $0.target < $1.target } } }
}
