internal import CHostSystem

public enum ProcessSignals {
    /// A write to a peer that has gone away raises SIGPIPE, which kills the process by default.
    /// Our processes ignore it and see EPIPE instead; children we spawn get the default back
    /// (see `ChildProcess`).
    public static func ignoreSIGPIPE() {
        _ = meridian_ignore_sigpipe()
    }
}
