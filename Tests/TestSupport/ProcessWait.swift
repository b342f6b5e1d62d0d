import HostSystem

/// Waiting for processes to go, on the calling thread (call it from a thread you own).
public enum ProcessWait {
    /// Polls until `pid` has exited (and is reaped, if it is our child); false on timeout.
    @discardableResult
    public static func untilGone(_ pid: Int32, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ChildProcess.reap(pid) != nil || !ChildProcess.isAlive(pid) { return true }
            ChildProcess.sleep(.milliseconds(10))
        }
        return false
    }
}
