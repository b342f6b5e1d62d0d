internal import Glibc

/// A value guarded by a mutex, with a condition variable to sleep on until it changes: for
/// threads we own (a queue's consumer, a retry's backoff) that must wake at once when there is
/// work or a stop, and sleep otherwise without polling.
///
/// Blocking (`wait`): call from a dedicated thread, never from Swift concurrency's pool.
/// `@unchecked Sendable`: `State` is only touched under the pthread mutex, and the pthread
/// objects live at stable heap addresses owned (and destroyed) by this instance.
public final class ThreadCondition<State: Sendable>: @unchecked Sendable {
    private var state: State
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are on the monotonic clock: a step of the wall clock (what Meridian is about)
        // must not stretch or cut a wait.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Changes the state under the lock and wakes every waiter.
    @discardableResult
    public func update<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }

    /// Reads the state under the lock.
    public func read<R>(_ body: (State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(state)
    }

    /// Changes the state under the lock without waking anyone (a change no waiter waits for).
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Sleeps until `ready(state)` holds or `timeout` passed (nil: no limit), then runs `body`
    /// under the same lock; `body` learns whether `ready` held. Spurious wake-ups re-check.
    public func wait<R>(until ready: (State) -> Bool, timeout: Duration?, _ body: (inout State, Bool) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        let satisfied = sleepLocked(timeout: timeout) { ready($0) }
        return try body(&state, satisfied)
    }

    /// Sleeps until `ready` gives an answer (it may change the state, under the lock, as it
    /// takes it) or `timeout` passed (nil: no limit); nil on timeout.
    public func wait<T>(timeout: Duration?, until ready: (inout State) -> T?) -> T? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var answer: T?
        _ = sleepLocked(timeout: timeout) { state in
            answer = ready(&state)
            return answer != nil
        }
        return answer
    }

    /// The monotonic clock the waits are measured on.
    public static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }

    /// The one wait loop; the mutex is held by the caller. True when `ready` held.
    private func sleepLocked(timeout: Duration?, _ ready: (inout State) -> Bool) -> Bool {
        let deadline = timeout.map { Self.monotonicDeadline(after: $0) }
        while !ready(&state) {
            if var deadline {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return ready(&state) }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        return true
    }

    private static func monotonicDeadline(after timeout: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = max(.zero, timeout).components
        // Capped at a year: a wait longer than that is "no limit" in practice, and the sum stays far from overflow.
        let whole = min(seconds, 366 * 86_400)
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var total = Int(now.tv_sec) + Int(whole)
        if nanoseconds >= 1_000_000_000 { nanoseconds -= 1_000_000_000; total += 1 }
        return timespec(tv_sec: total, tv_nsec: nanoseconds)
    }
}
