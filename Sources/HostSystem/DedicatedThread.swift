internal import CHostSystem
internal import Glibc

/// Threads we own, for blocking socket and TLS work.
///
/// Swift concurrency's cooperative pool has one thread per core (two here); a blocked read there
/// stalls every task in the process. Every blocking call in Meridian runs on one of these instead.
public enum DedicatedThread {
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
    /// so async code can wait without occupying a cooperative thread.
    public static func run<T: Sendable>(
        name: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            do {
                try start(name: name) {
                    do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
