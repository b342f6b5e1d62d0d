internal import CHostSystem

/// Process-wide malloc settings for a server with a thread per connection.
public enum ProcessMemory {
    /// Two glibc defaults that let freed memory pile up, measured on the agent:
    /// - threads that allocate concurrently get their own arenas (up to 8 per core), and memory
    ///   freed in one is not reused by the others: a 40 s soak of mixed traffic took RSS from
    ///   17 MB to 105-124 MB; with 2 arenas it stayed at 20-40 MB and came back to 21 MB.
    /// - the mmap threshold grows to the largest block freed (up to 32 MiB), after which 1 MiB
    ///   frames come from the arenas and fragment them: 100 concurrent 1 MiB frames peaked at
    ///   76 MB; with the threshold fixed at 128 KiB, at 39 MB.
    /// Call once at startup, before the connection threads.
    public static func boundMalloc(arenas: Int32 = 2, mmapThreshold: Int32 = 128 << 10) {
        _ = meridian_bound_malloc(arenas, mmapThreshold)
    }
}
