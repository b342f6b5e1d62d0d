internal import CHostSystem
internal import Glibc
import Synchronization

/// Threads we own, for blocking socket and TLS work.
///
/// Swift concurrency's cooperative pool has one thread per core (two here); a blocked read there
/// stalls every task in the process. Every blocking call in Meridian runs on one of these instead.
public enum DedicatedThread {
    private static let releasers = Mutex<[@Sendable () -> Void]>([])

    /// A library that keeps per-thread state (OpenSSL: error queue, random generators) says
    /// here how to free the calling thread's, once per process.
    public static func onReleaseThreadState(_ release: @escaping @Sendable () -> Void) {
        releasers.withLock { $0.append(release) }
    }

    /// Frees the calling thread's library state now, rather than in the thread-exit destructors
    /// that run after the thread hands over its result. A thread that is the last thing a
    /// command waits for calls it first: otherwise `exit` can race those destructors (OpenSSL's
    /// own exit handler removes its thread key while they run), and what the thread held stays
    /// allocated at exit, which LeakSanitizer reports. Harmless on a thread that used none: the
    /// libraries make their state again if the thread goes on.
    public static func releaseThreadState() {
        for release in releasers.withLock({ $0 }) { release() }
    }

    /// Starts a detached thread running `body`. `stackSize` is kept small: the agent may hold
    /// hundreds of idle connections, one thread each.
    public static func start(
        name: String, stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void
    ) throws(HostError) {
        final class Box { let body: @Sendable () -> Void; let name: String
            init(_ body: @escaping @Sendable () -> Void, _ name: String) { self.body = body; self.name = name } }
        let box = Unmanaged.passRetained(Box(body, name))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            _ = meridian_set_thread_name(String(box.name.prefix(15)))
            box.body()
            return nil
        }, box.toOpaque())
        if rc != 0 {
            box.release()
            throw HostError(.io, "cannot start thread \(name): \(Errno(rawValue: rc))")
        }
    }

    /// Runs a blocking `body` on a dedicated thread and resumes the caller when it finishes,
    /// so async code can wait without occupying a cooperative thread. The thread's library
    /// state (`releaseThreadState`) is freed before the caller resumes.
    public static func run<T: Sendable>(
        name: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            do {
                try start(name: name) {
                    let result = Result { try body() }
                    releaseThreadState()
                    continuation.resume(with: result)
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
