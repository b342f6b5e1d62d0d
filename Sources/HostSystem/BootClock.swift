internal import Glibc

/// The distance between the real-time clock and the boot-time clock. CLOCK_BOOTTIME never
/// jumps, so this value stays put unless someone steps CLOCK_REALTIME: the container lab reads
/// it at `up` and at `down` to prove that no lab node moved the host's clock.
public enum BootClock {
    /// CLOCK_REALTIME − CLOCK_BOOTTIME in seconds (the boot instant, in Unix time).
    public static func realtimeMinusBoottime() -> Double {
        var real = timespec(), boot = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return Double(real.tv_sec - boot.tv_sec) + Double(real.tv_nsec - boot.tv_nsec) / 1e9
    }
}
