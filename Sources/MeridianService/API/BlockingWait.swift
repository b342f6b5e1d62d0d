internal import Glibc
import Synchronization

/// Waits on the calling thread for async work (a survey, `ClockSet.run`) started as a task.
///
/// Only for threads Meridian owns: the API answers each connection on its own thread, and a
/// synchronous method such as `clock.set` or `cluster.plan` holds that connection's thread until
/// it is done, never a thread of the cooperative pool (the awaited work itself blocks only on
/// FanOut's dedicated threads).
enum BlockingWait {
    /// A POSIX semaphore owned by one wait; freed with it.
    private final class Signal: @unchecked Sendable {
        // @unchecked: sem_t is made for sharing between threads; post and wait are its whole API.
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        init() { sem_init(semaphore, 0, 0) }
        deinit { sem_destroy(semaphore); semaphore.deallocate() }
        func post() { sem_post(semaphore) }
        func wait() { while sem_wait(semaphore) != 0 && errno == EINTR {} }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let signal = Signal()
        let result = Mutex<T?>(nil)
        Task.detached {
            let value = await body()
            result.withLock { $0 = value }
            signal.post()
        }
        while true {
            signal.wait()
            if let value = result.withLock({ $0 }) { return value }
        }
    }
}
