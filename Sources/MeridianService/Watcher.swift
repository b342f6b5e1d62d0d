import ClockSync
import Coordinator
import HostSystem
import SecureTransport

/// The watch loop: one survey of every node each `interval_seconds` (jittered, never two at
/// once), each published to the `ServiceState` and recorded in the history. Runs on a thread of
/// its own; `refresh()` asks for a survey now and waits for it (or for the one already running).
public final class Watcher: Sendable {
    /// The most a node's survey may overrun `survey_timeout_seconds` before it is cut off: room
    /// for the last call's own timeout to fire first, so its message (more precise) wins.
    public static let deadlineMargin: Duration = .milliseconds(1500)
    /// History roll-up and retention run at most this often (seconds).
    public static let maintenanceEvery: Double = 300

    struct Loop: Sendable {
        var running = false
        var refreshRequested = false
        var stopped = false
        var finished = false
        var loopStarted = false
        var completed = 0
        var latest: Snapshot?
        var nextDue: Duration = .zero
    }

    public let cluster: ClusterFile
    let context: TLSContext
    let configuration: ServeConfiguration
    let state: ServiceState
    let store: HistoryStore?
    let log: @Sendable (String) -> Void
    private let gate = ThreadCondition(Loop())
    private let lastMaintenance = ThreadCondition<Double>(0)

    public init(cluster: ClusterFile, context: TLSContext, configuration: ServeConfiguration, state: ServiceState,
                store: HistoryStore?, log: @escaping @Sendable (String) -> Void) {
        self.cluster = cluster; self.context = context; self.configuration = configuration
        self.state = state; self.store = store; self.log = log
    }

    /// Survey options: every call bounded by `survey_timeout_seconds`, and each node as a whole
    /// by the same plus `deadlineMargin`.
    public var surveyOptions: Survey.Options {
        var options = Survey.Options()
        options.timeout = .milliseconds(Int64(configuration.surveyTimeoutSeconds * 1000))
        options.nodeDeadline = options.timeout + Self.deadlineMargin
        return options
    }

    /// Starts the loop thread; the first survey runs at once unless one already ran (`surveyNow`).
    public func start() throws(ServiceError) {
        do {
            try DedicatedThread.start(name: "watch") { [self] in loop() }
        } catch {
            throw ServiceError(.io, "cannot start the watch thread: \(error)")
        }
    }

    /// Stops the loop: a survey in progress finishes (bounded by its deadlines), none starts.
    /// Waits for the loop to end, at most `timeout`.
    public func stop(timeout: Duration = .seconds(30)) {
        gate.update { $0.stopped = true }
        _ = gate.wait(timeout: timeout) { $0.finished || !$0.loopStarted ? true : nil }
    }

    /// The latest snapshot, or nil before the first survey ended.
    public var latest: Snapshot? { gate.withLock { $0.latest } }

    /// How many surveys have completed.
    public var completedSurveys: Int { gate.withLock { $0.completed } }

    /// A survey now, or the one already running: blocks until it ends and returns its snapshot
    /// (nil if the service stopped first). Call it from a thread you own (the API's connection
    /// thread); async callers use `refreshed()`.
    public func refresh(timeout: Duration? = nil) -> Snapshot? {
        let target: Int? = gate.update { loop in
            guard !loop.stopped else { return nil }
            if !loop.running { loop.refreshRequested = true }
            return loop.completed + 1
        }
        guard let target else { return nil }
        let answer: Snapshot?? = gate.wait(timeout: timeout) { loop -> Snapshot?? in
            if loop.completed >= target { return .some(loop.latest) }
            return loop.finished || loop.stopped && !loop.running ? .some(nil) : nil
        }
        return answer ?? nil
    }

    /// `refresh()` for async callers, on a dedicated thread.
    public func refreshed() async -> Snapshot? {
        (try? await DedicatedThread.run(name: "refresh") { [self] in refresh() }) ?? nil
    }

    /// One survey on the calling thread (the service's first, before READY=1), published and
    /// recorded like the loop's. Do not call it while the loop runs.
    @discardableResult
    public func surveyNow() -> Snapshot {
        gate.update { $0.running = true }
        let snapshot = survey()
        finish(snapshot)
        return snapshot
    }

    private func loop() {
        gate.update { $0.loopStarted = true }
        defer { gate.update { $0.finished = true } }
        while true {
            let left = gate.withLock { $0.nextDue } - ThreadCondition<Loop>.monotonicNow()
            let go: Bool? = gate.wait(timeout: max(left, .zero)) { loop in
                if loop.stopped { return false }
                if loop.refreshRequested || ThreadCondition<Loop>.monotonicNow() >= loop.nextDue {
                    loop.running = true
                    loop.refreshRequested = false
                    return true
                }
                return nil
            }
            if go == false { return }
            if go == true { finish(survey()) }
        }
    }

    private func survey() -> Snapshot {
        let startedMonotonic = ThreadCondition<Loop>.monotonicNow()
        let started = WallClock.now().asDouble
        let (cluster, context, options) = (self.cluster, self.context, surveyOptions)
        let result = ThreadCondition<[NodeReport]?>(nil)
        Task { let reports = await Survey.run(cluster, context: context, options: options); result.update { $0 = reports } }
        let reports = result.wait(timeout: nil) { $0 } ?? []
        let duration = (ThreadCondition<Loop>.monotonicNow() - startedMonotonic).seconds
        return Snapshot(status: StatusReport(cluster: cluster, nodes: reports), time: started, durationSeconds: duration)
    }

    /// Publishes, records, and schedules the next survey one jittered interval after this one began.
    private func finish(_ snapshot: Snapshot) {
        state.publish(snapshot)
        if let store {
            do { try store.record(snapshot.samples) } catch { log("history: \(error) (the watch goes on)") }
            maintain(store, now: snapshot.time)
        }
        let unreachable = snapshot.samples.filter { !$0.reachable }.map(\.node)
        if !unreachable.isEmpty {
            let names = unreachable.count <= 10 ? unreachable.joined(separator: ", ") : unreachable.prefix(10).joined(separator: ", ") + " and \(unreachable.count - 10) more"
            log("survey: unreachable: \(names)")
        }
        let interval = configuration.intervalSeconds * (1 - Double.random(in: 0...0.1))
        let began = ThreadCondition<Loop>.monotonicNow() - .milliseconds(Int64(snapshot.durationSeconds * 1000))
        gate.update { loop in
            loop.running = false
            loop.latest = snapshot
            loop.completed += 1
            loop.nextDue = began + .milliseconds(Int64(interval * 1000))
        }
    }

    private func maintain(_ store: HistoryStore, now: Double) {
        let due = lastMaintenance.withLock { last in
            guard now - last >= Self.maintenanceEvery || now < last else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let done = try store.maintain(now: now, rawHours: configuration.rawHours, retentionDays: configuration.retentionDays)
            if done.rolledUp > 0 || done.dropped > 0 {
                log("history: rolled \(done.rolledUp) raw samples into 5-minute buckets, dropped \(done.dropped) rows past \(Durations.duration(configuration.retentionDays * 86_400))")
            }
        } catch {
            log("history: \(error) (the watch goes on)")
        }
    }
}
