internal import Glibc
import WireProtocol

/// The system's real-time clock (CLOCK_REALTIME) at nanosecond resolution — the clock chrony
/// disciplines and the one Meridian measures between nodes. (In the lab, libfaketime shifts it.)
public enum WallClock {
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }
}
