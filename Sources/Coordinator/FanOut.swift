import HostSystem
import SecureTransport
import Synchronization

/// Runs blocking work for many nodes on dedicated threads, at most `concurrency` at once, and
/// returns the results in input order. Nothing here blocks the cooperative pool.
public enum FanOut {
    public static func map<Item: Sendable, Output: Sendable>(
        _ items: [Item], concurrency: Int, _ body: @escaping @Sendable (Item) -> Output
    ) async -> [Output] {
        guard !items.isEmpty else { return [] }
        let workers = max(1, min(concurrency, items.count))
        let shared = Mutex(Progress<Output>(expected: workers, results: Array(repeating: nil, count: items.count)))
        return await withCheckedContinuation { (continuation: CheckedContinuation<[Output], Never>) in
            @Sendable func finishOne(_ count: Int = 1, lessExpected: Int = 0) {
                let finished: [Output]? = shared.withLock { state in
                    state.done += count
                    state.expected -= lessExpected
                    guard state.done == state.expected else { return nil }
                    return state.results.compactMap { $0 }
                }
                if let finished { continuation.resume(returning: finished) }
            }
            @Sendable func work() {
                while true {
                    let index: Int? = shared.withLock { state in
                        guard state.next < items.count else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    let output = body(items[index])
                    shared.withLock { $0.results[index] = output }
                }
                DedicatedThread.releaseThreadState()
                finishOne()
            }
            var started = 0
            for _ in 0..<workers {
                do { try DedicatedThread.start(name: "fan-out", work); started += 1 } catch { break }
            }
            if started == 0 {
                // No thread could be started: do the work here rather than never answering.
                shared.withLock { $0.expected = 1 }
                work()
            } else if started < workers {
                finishOne(0, lessExpected: workers - started)
            }
        }
    }

    struct Progress<Output> {
        var expected: Int
        var next = 0
        var done = 0
        var results: [Output?]
    }
}
