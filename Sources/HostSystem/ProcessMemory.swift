internal import CHostSystem

/// Process-wide malloc settings.
public enum ProcessMemory {
    /// glibc gives threads that allocate concurrently their own malloc arenas (up to 8 per core),
    /// and memory freed in one arena is not reused by the others. With a thread per connection
    /// the agent's RSS then settled at about three times its live data (soak, 40 s of mixed
    /// traffic: 105 MB with the default arenas, 36 MB with one). Call once at startup.
    public static func limitMallocArenas(to count: Int32 = 2) {
        _ = meridian_limit_malloc_arenas(count)
    }
}
