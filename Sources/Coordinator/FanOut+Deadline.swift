import HostSystem
import Synchronization

extension FanOut {
    /// `map` where each item has `deadline` from the moment a worker takes it: an item still
    /// running then gets `timedOut(item)` as its result, and a fresh worker takes its place in
    /// the queue. The stuck worker is left to finish by itself (a blocking call cannot be
    /// cancelled from outside; every call in it has its own timeout) and its late result is
    /// dropped. So one hung node never holds the others, nor the caller, past the deadline.
    public static func map<Item: Sendable, Output: Sendable>(
        _ items: [Item], concurrency: Int, deadline: Duration,
        timedOut: @escaping @Sendable (Item) -> Output, _ body: @escaping @Sendable (Item) -> Output
    ) async -> [Output] {
        guard !items.isEmpty else { return [] }
        let workers = max(1, min(concurrency, items.count))
        let shared = Mutex(DeadlineProgress<Output>(count: items.count))
        return await withCheckedContinuation { (continuation: CheckedContinuation<[Output], Never>) in
            /// Called with the lock held; true once, when every item has a result.
            @Sendable func complete(_ state: inout DeadlineProgress<Output>) -> [Output]? {
                guard state.done == items.count, !state.resumed else { return nil }
                state.resumed = true
                return state.results.compactMap { $0 }
            }
            @Sendable func work() {
                while true {
                    let index: Int? = shared.withLock { state in
                        guard state.next < items.count, !state.resumed else { return nil }
                        defer { state.next += 1 }
                        state.startedAt[state.next] = .now
                        return state.next
                    }
                    guard let index else { return }
                    let output = body(items[index])
                    let (finished, abandoned): ([Output]?, Bool) = shared.withLock { state in
                        // Past its deadline, the item already has its timed-out result and
                        // another worker took this one's place: this thread just ends.
                        guard state.results[index] == nil else { return (nil, true) }
                        state.results[index] = output
                        state.done += 1
                        return (complete(&state), false)
                    }
                    if let finished {
                        DedicatedThread.releaseThreadState()
                        continuation.resume(returning: finished)
                    }
                    if abandoned { return }
                }
            }
            var started = 0
            for _ in 0..<workers {
                do { try DedicatedThread.start(name: "fan-out", work); started += 1 } catch { break }
            }
            if started == 0 {
                // No thread at all: do the work here, without a deadline, rather than never answering.
                work()
                return
            }
            let watchdog: @Sendable () -> Void = {
                while true {
                    ChildProcess.sleep(.milliseconds(20))
                    let now = ContinuousClock.now
                    let (finished, replacements, over): ([Output]?, Int, Bool) = shared.withLock { state in
                        if state.resumed { return (nil, 0, true) }
                        var late = 0
                        for index in 0..<items.count where state.results[index] == nil {
                            guard let start = state.startedAt[index], now - start >= deadline else { continue }
                            state.results[index] = timedOut(items[index])
                            state.done += 1
                            late += 1
                        }
                        let finished = complete(&state)
                        return (finished, late, finished != nil)
                    }
                    if let finished { continuation.resume(returning: finished) }
                    if over { return }
                    for _ in 0..<replacements { try? DedicatedThread.start(name: "fan-out", work) }
                }
            }
            // Without a watchdog thread the deadline cannot be kept, but the workers still finish
            // and resume the caller.
            try? DedicatedThread.start(name: "fan-out-watch", watchdog)
        }
    }

    struct DeadlineProgress<Output> {
        var next = 0
        var done = 0
        var resumed = false
        var results: [Output?]
        var startedAt: [ContinuousClock.Instant?]
        init(count: Int) {
            results = Array(repeating: nil, count: count)
            startedAt = Array(repeating: nil, count: count)
        }
    }
}
