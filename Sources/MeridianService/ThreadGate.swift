internal import Glibc

/// A value behind a lock, with a condition to wait on: the watch thread sleeps here until its
/// next survey is due, a refresh is asked for, or the service stops; `refresh()` callers wait
/// here for the survey they asked for. Waits are on threads we own, never on the cooperative pool.
///
/// `@unchecked Sendable`: the value is only touched with the pthread mutex held, and the mutex
/// and condition live in memory this object owns and frees.
final class ThreadGate<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Monotonic: a clock step (this is a time-sync tool) must not stretch or cut a wait.
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

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Changes the value and wakes every waiter.
    func update<T>(_ body: (inout Value) -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let result = body(&value)
        pthread_cond_broadcast(condition)
        return result
    }

    /// Waits until `ready` says so (returning its answer) or `timeout` has passed (nil: forever);
    /// returns nil on timeout.
    func wait<T>(timeout: Duration?, until ready: (inout Value) -> T?) -> T? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let deadline = timeout.map { Self.monotonicNow() + $0 }
        while true {
            if let answer = ready(&value) { return answer }
            if let deadline {
                let left = deadline - Self.monotonicNow()
                guard left > .zero else { return nil }
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let (seconds, attoseconds) = (left + .nanoseconds(Int64(now.tv_nsec))).components
                var until = timespec(tv_sec: now.tv_sec + Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                if until.tv_nsec >= 1_000_000_000 { until.tv_sec += 1; until.tv_nsec -= 1_000_000_000 }
                pthread_cond_timedwait(condition, mutex, &until)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }
}
