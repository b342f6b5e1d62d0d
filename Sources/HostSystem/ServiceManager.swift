internal import CHostSystem

/// The agent's side of systemd: `Type=notify` readiness and a clean stop on SIGTERM.
public enum ServiceManager {
    /// Sends a notify message (`READY=1`, `STOPPING=1`, `STATUS=…`) when started by systemd with
    /// NotifyAccess; does nothing otherwise.
    public static func notify(_ message: String) {
        guard let socket = ChildProcess.inheritedEnvironment["NOTIFY_SOCKET"], !socket.isEmpty else { return }
        _ = meridian_sd_notify(socket, message)
    }

    /// Call first in `main`, before any thread starts, so that SIGTERM/SIGINT reach only the
    /// thread that waits for them.
    public static func blockTerminationSignals() {
        _ = meridian_block_termination_signals()
    }

    /// Starts a thread that waits for SIGTERM or SIGINT and then runs `handler` once.
    public static func onTermination(_ handler: @escaping @Sendable (Int32) -> Void) throws(HostError) {
        try DedicatedThread.start(name: "signals") {
            handler(meridian_wait_termination_signal())
        }
    }
}
