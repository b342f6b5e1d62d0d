import HostSystem
import SecureTransport

/// `meridian serve`'s alerts: watches the published snapshots, turns verdict changes into events
/// (`AlertEngine`), stores each (`HistoryStore`, which gives it its id), announces it to API
/// subscribers (`ServiceState.announce`) and hands it to every target: the journal, each webhook,
/// each exec hook.
///
/// Never blocks the publisher: the snapshot observer only appends to a bounded inbox; one
/// dispatcher thread runs the engine and the store, and each target has its own thread and
/// bounded queue (`TargetWorker`), so a dead webhook delays nothing but itself.
public final class Alerter: Sendable {
    /// Timeouts and limits; the defaults are the documented ones, tests shorten the waits.
    public struct Tuning: Sendable {
        public var webhookTimeout: Duration = .seconds(5)
        public var firstBackoff: Duration = .seconds(1)
        public var maxBackoff: Duration = .seconds(300)
        public var maxAttempts = 10
        public var queueCapacity = 256
        /// Where journal lines go: stderr, which journald reads under systemd.
        public var journal: @Sendable (String) -> Void = { Console.error($0) }
        public init() {}
    }

    private struct Inbox: Sendable {
        var snapshots: [Snapshot] = []
        var busy = false
        var stopped = false
        var engine: AlertEngine
        var observer: UInt64?
    }

    /// Snapshots waiting for the dispatcher; beyond this the oldest is dropped (logged). Surveys
    /// come every few seconds at most, the engine takes microseconds: only a stuck store fills it.
    static let inboxCapacity = 64

    private let state: ServiceState
    private let store: HistoryStore
    private let log: @Sendable (String) -> Void
    private let workers: [TargetWorker]
    private let inbox: ThreadCondition<Inbox>

    public init(configuration: ServeConfiguration, state: ServiceState, store: HistoryStore,
                log: @escaping @Sendable (String) -> Void, tuning: Tuning = Tuning()) throws(ServiceError) {
        self.state = state; self.store = store; self.log = log
        let policy = TargetWorker.Policy(capacity: tuning.queueCapacity, firstBackoff: tuning.firstBackoff,
                                         maxBackoff: tuning.maxBackoff, maxAttempts: tuning.maxAttempts)
        var targets: [any AlertTarget] = [JournalTarget(write: tuning.journal)]
        var webhookTLS: TLSContext?
        for (index, text) in configuration.webhooks.enumerated() {
            let url: WebhookURL
            do throws(ServiceError) { url = try WebhookURL(parsing: text) } catch {
                throw ServiceError(.invalidConfiguration, "field \"webhooks[\(index)]\": \(error.detail)")
            }
            if url.usesTLS, webhookTLS == nil {
                // Read once, at start: a CA file that cannot be used is a configuration error now,
                // not a failed delivery later.
                do throws(TransportError) { webhookTLS = try TLSContext.webhookClient(caPath: configuration.webhookCA) } catch {
                    throw ServiceError(.invalidConfiguration, "field \"webhook_ca\" (for \(text)): \(error.detail)")
                }
            }
            targets.append(WebhookTarget(url: url, tls: url.usesTLS ? webhookTLS : nil, timeout: tuning.webhookTimeout))
        }
        var names = Set(targets.map(\.name))
        for argv in configuration.exec {
            var name = argv.first ?? "?"
            var suffix = 2
            while names.contains(name) { name = "\(argv.first ?? "?") #\(suffix)"; suffix += 1 }
            names.insert(name)
            targets.append(ExecTarget(argv: argv, timeout: .milliseconds(Int64((configuration.execTimeoutSeconds * 1000).rounded())), name: name))
        }
        workers = targets.map { TargetWorker(target: $0, policy: policy, state: state, log: log) }
        inbox = ThreadCondition(Inbox(engine: AlertEngine(cluster: state.clusterName, repeatSeconds: configuration.repeatHours * 3600)))
    }

    /// Restores what earlier runs reported (the store's events), then follows the snapshots.
    public func start() throws(ServiceError) {
        // An exec hook that exits before reading its stdin must not kill the service with SIGPIPE.
        ProcessSignals.ignoreSIGPIPE()
        let earlier: [AlertEvent]
        do { earlier = try store.events(since: 0, limit: 10_000) } catch {
            log("alerts: cannot read earlier events, starting from ok: \(error)")
            earlier = []
        }
        inbox.update { $0.engine.restore(from: earlier) }
        do {
            for worker in workers { try worker.start() }
            try DedicatedThread.start(name: "alert-dispatch") { [self] in dispatch() }
        } catch {
            for worker in workers { worker.stop() }
            throw ServiceError(.alert, "cannot start the alert threads: \(error)")
        }
        let token = state.observeSnapshots { [self] snapshot in receive(snapshot) }
        inbox.update { $0.observer = token }
        // `meridian serve` starts its components after the first survey was published: judge it too.
        if let first = state.latest { receive(first) }
    }

    /// Stops following snapshots and ends the threads, after giving what was already judged up
    /// to `stopGrace` to reach its targets (an attempt under way finishes first; events still
    /// queued after that are not delivered).
    public func stop() { stop(grace: .seconds(2)) }

    public func stop(grace stopGrace: Duration) {
        _ = waitUntilIdle(timeout: stopGrace)
        let token = inbox.update { inbox -> UInt64? in
            inbox.stopped = true
            defer { inbox.observer = nil }
            return inbox.observer
        }
        if let token { state.stopObserving(token) }
        for worker in workers { worker.stop() }
    }

    /// True once every received snapshot was judged and every event delivered or given up.
    public func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        let judged = inbox.wait(until: { ($0.snapshots.isEmpty && !$0.busy) || $0.stopped }, timeout: timeout) { inbox, _ in
            inbox.snapshots.isEmpty && !inbox.busy
        }
        guard judged else { return false }
        return workers.allSatisfy { $0.waitUntilIdle(timeout: max(.zero, deadline - ContinuousClock.now)) }
    }

    /// The publisher's thread: append, never wait.
    private func receive(_ snapshot: Snapshot) {
        let dropped = inbox.update { inbox -> Bool in
            guard !inbox.stopped else { return false }
            let full = inbox.snapshots.count >= Self.inboxCapacity
            if full { inbox.snapshots.removeFirst() }
            inbox.snapshots.append(snapshot)
            return full
        }
        if dropped { log("alerts: \(Self.inboxCapacity) surveys wait to be judged; dropped the oldest") }
    }

    private func dispatch() {
        while true {
            let next = inbox.wait(until: { !$0.snapshots.isEmpty || $0.stopped }, timeout: nil) { inbox, _ -> [AlertEvent]? in
                guard !inbox.stopped else { return nil }
                let snapshot = inbox.snapshots.removeFirst()
                inbox.busy = true
                return inbox.engine.observe(snapshot.alertObservations, at: snapshot.time)
            }
            guard let events = next else { return }
            for event in events { deliver(event) }
            inbox.update { $0.busy = false }
        }
    }

    private func deliver(_ event: AlertEvent) {
        var stored = event
        do { stored = try store.record(event) } catch {
            // The alert matters more than its record: it still goes out, without an id.
            log("alerts: \(error); sending the event anyway")
        }
        state.announce(stored)
        for worker in workers { worker.enqueue(stored) }
    }
}
