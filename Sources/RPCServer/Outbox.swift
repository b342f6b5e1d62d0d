internal import Glibc

/// The frames waiting to go out to one peer once the server pushes to it, in order, bounded in
/// count and bytes; its writer thread sleeps on a condition variable until one arrives.
///
/// `@unchecked Sendable`: every field is read and written under `mutex` (a pthread mutex, since
/// the writer must sleep on a condition, which Swift's `Mutex` lacks); the mutex and condition
/// live in allocations of their own so they never move.
final class Outbox: @unchecked Sendable {
    enum Refusal: Equatable { case closed, full }

    let maxFrames: Int
    let maxBytes: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var frames: [[UInt8]] = []
    private var head = 0
    private var bytes = 0
    /// No more frames are taken; the writer sends what is queued, then stops.
    private var finished = false
    /// Queued frames are dropped too: the peer is gone or not reading.
    private var aborted = false
    private var writerDone = false

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = max(1, maxFrames)
        self.maxBytes = max(1, maxBytes)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Queues `frame`; never blocks beyond the mutex.
    func enqueue(_ frame: [UInt8]) -> Refusal? {
        locked {
            if finished || aborted { return .closed }
            let queued = frames.count - head
            guard queued < maxFrames, bytes <= maxBytes - frame.count else { return .full }
            frames.append(frame)
            bytes += frame.count
            pthread_cond_broadcast(condition)
            return nil
        }
    }

    /// The writer's next frame: waits for one; nil once finished and drained, or aborted.
    func take() -> [UInt8]? {
        locked {
            while head == frames.count && !finished && !aborted { pthread_cond_wait(condition, mutex) }
            guard !aborted, head < frames.count else { return nil }
            let frame = frames[head]
            frames[head] = []
            head += 1
            bytes -= frame.count
            if head == frames.count || head > 64 && head * 2 > frames.count {
                frames.removeFirst(head)
                head = 0
            }
            return frame
        }
    }

    /// Stops taking frames; the writer drains what is queued.
    func finish() { locked { finished = true; pthread_cond_broadcast(condition) } }

    /// Stops taking frames and drops the queue.
    func abort() {
        locked {
            aborted = true
            frames = []
            head = 0
            bytes = 0
            pthread_cond_broadcast(condition)
        }
    }

    var isAborted: Bool { locked { aborted } }

    func writerFinished() { locked { writerDone = true; pthread_cond_broadcast(condition) } }

    /// Waits until the writer has stopped, at most `timeout`; true if it has.
    func waitForWriter(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        return locked {
            while !writerDone {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { return false }
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let (seconds, attoseconds) = min(remaining, .seconds(1)).components
                var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
                var wake = timespec(tv_sec: now.tv_sec + Int(seconds), tv_nsec: 0)
                if nanoseconds >= 1_000_000_000 { wake.tv_sec += 1; nanoseconds -= 1_000_000_000 }
                wake.tv_nsec = nanoseconds
                _ = pthread_cond_timedwait(condition, mutex, &wake)
            }
            return true
        }
    }
}
