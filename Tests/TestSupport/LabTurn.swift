import Synchronization

/// One loopback lab at a time in this test process. Every lab uses the same addresses
/// (127.0.0.N), and Swift Testing runs suites of different test targets at once; a suite that
/// starts a lab outside the serialized `LabIntegrationTests` waits for its turn here (which
/// `LabIntegrationTests` takes too once wired: acquire in `up`, release in `deinit`).
/// Across processes the shared flock (`/tmp/meridian-test.lock`) does the same.
public final class LabTurn: Sendable {
    public static let shared = LabTurn()

    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if !state.held { state.held = true; return true }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Hands the turn to the next waiter, if any. Synchronous, so a `deinit` can call it.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty { state.held = false; return nil }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }

    public func withTurn<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}
