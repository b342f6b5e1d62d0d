import HostSystem
internal import COpenSSL

/// OpenSSL keeps state per thread (its error queue, the thread's random generators) and frees
/// it in a thread-exit destructor. Registered once with `DedicatedThread`, so a thread that hands
/// its result to a waiting command frees it first (see `DedicatedThread.releaseThreadState`).
enum OpenSSLThreadState {
    /// Touch to register (a lazily initialised global runs once, under a lock).
    static let registered: Void = DedicatedThread.onReleaseThreadState { OPENSSL_thread_stop() }
}
