import HostSystem

/// One alert target's thread and queue. Events are delivered in order, one at a time; a webhook
/// that fails is retried with exponential backoff before the next event is tried (order matters
/// more to a receiver than speed, and a dead target only delays itself). The queue is bounded:
/// when full, the oldest event is dropped with a log line, so a target that is down for days
/// cannot grow the service's memory.
final class TargetWorker: Sendable {
    struct Policy: Sendable {
        var capacity = 256
        var firstBackoff: Duration = .seconds(1)
        var maxBackoff: Duration = .seconds(300)
        /// Attempts per event (the first included) before it is dropped.
        var maxAttempts = 10

        /// The wait after failed attempt `attempt` (1-based): 1 s, 2 s, 4 s … capped.
        func backoff(after attempt: Int) -> Duration {
            var wait = firstBackoff
            for _ in 1..<max(1, attempt) {
                wait = wait * 2
                if wait >= maxBackoff { return maxBackoff }
            }
            return min(wait, maxBackoff)
        }
    }

    private struct Queue: Sendable {
        var entries: [(sequence: UInt64, event: AlertEvent)] = []
        var nextSequence: UInt64 = 1
        var stopped = false
    }

    let target: any AlertTarget
    let policy: Policy
    private let state: ServiceState
    private let log: @Sendable (String) -> Void
    private let queue = ThreadCondition(Queue())

    init(target: any AlertTarget, policy: Policy, state: ServiceState, log: @escaping @Sendable (String) -> Void) {
        self.target = target; self.policy = policy; self.state = state; self.log = log
        state.updateTarget(target.name) { _ in }
    }

    func start() throws(HostError) {
        try DedicatedThread.start(name: "alert-target") { [self] in run() }
    }

    func stop() { queue.update { $0.stopped = true } }

    /// Never blocks beyond the queue's lock.
    func enqueue(_ event: AlertEvent) {
        let dropped = queue.update { queue -> AlertEvent? in
            var dropped: AlertEvent?
            if queue.entries.count >= policy.capacity { dropped = queue.entries.removeFirst().event }
            queue.entries.append((queue.nextSequence, event))
            queue.nextSequence += 1
            let pending = queue.entries.count
            state.updateTarget(target.name) { $0.pending = pending }
            return dropped
        }
        if let dropped { log("alert target \(target.name): queue full (\(policy.capacity)), dropped the oldest event \(Self.describe(dropped))") }
    }

    /// True once every queued event was delivered or given up, before `timeout`.
    func waitUntilIdle(timeout: Duration) -> Bool {
        queue.wait(until: { $0.entries.isEmpty || $0.stopped }, timeout: timeout) { queue, _ in queue.entries.isEmpty }
    }

    private func run() {
        while true {
            let head = queue.wait(until: { !$0.entries.isEmpty || $0.stopped }, timeout: nil) { queue, _ in
                queue.stopped ? nil : queue.entries.first
            }
            guard let (sequence, event) = head else { return }
            var attempt = 1
            while true {
                let result = target.deliver(event)
                let now = WallClock.now().asDouble
                if result == .delivered {
                    finish(sequence) { $0.delivered += 1; $0.lastAttempt = now }
                    break
                }
                guard case .failed(let why, let retry) = result else { break }
                state.updateTarget(target.name) { $0.failed += 1; $0.lastError = why; $0.lastAttempt = now }
                guard retry, attempt < policy.maxAttempts else {
                    log("alert target \(target.name): \(why); event \(Self.describe(event)) "
                        + (retry ? "dropped after \(attempt) attempts" : "not delivered"))
                    finish(sequence) { _ in }
                    break
                }
                let wait = policy.backoff(after: attempt)
                log("alert target \(target.name): \(why) (attempt \(attempt) of \(policy.maxAttempts)); retrying in \(ExecTarget.seconds(wait))")
                // Sleeps until the backoff ends; wakes at once on stop, or when a full queue
                // dropped this event meanwhile (the next one is due then).
                let stillHead = queue.wait(until: { $0.stopped || $0.entries.first?.sequence != sequence }, timeout: wait) { queue, _ in
                    !queue.stopped && queue.entries.first?.sequence == sequence
                }
                guard stillHead else { break }
                attempt += 1
            }
        }
    }

    /// Takes the event off the queue and records the outcome in one step, so whoever waits
    /// for an idle queue (`waitUntilIdle`) sees the health that goes with it. (Lock order:
    /// this queue, then the service state's; the state never calls back under its lock.)
    private func finish(_ sequence: UInt64, _ change: (inout TargetHealth) -> Void) {
        queue.update { queue in
            if queue.entries.first?.sequence == sequence { queue.entries.removeFirst() }
            let pending = queue.entries.count
            state.updateTarget(target.name) { change(&$0); $0.pending = pending }
        }
    }

    static func describe(_ event: AlertEvent) -> String {
        "#\(event.id) (\(event.node ?? "cluster") \(event.kind == .reminder ? "still \(event.to)" : "\(event.from) -> \(event.to)"))"
    }
}
