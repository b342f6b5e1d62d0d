internal import Glibc

public enum ProcessExit {
    /// Ends the process with `status` (64 = usage error, as sysexits and argument-parser use).
    public static func now(_ status: Int32) -> Never {
        Glibc.exit(status)
    }
}

public enum ProcessIdentity {
    public static var current: Int32 { getpid() }
}
