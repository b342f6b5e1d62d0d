/// libfaketime, which simulates the lab's clocks, keeps per-process shared memory in /dev/shm
/// (`faketime_shm_PID`, `sem.faketime_sem_PID`) and removes it only when the process exits
/// normally; a killed process leaves it behind. Whoever stops such a process calls this once the
/// process is gone. (Lab and tests only: nothing on a real node runs under libfaketime.)
public enum FakeClockLeftovers {
    public static func remove(pid: Int32) {
        guard pid > 1 else { return }
        AtomicFile.remove("/dev/shm/faketime_shm_\(pid)")
        AtomicFile.remove("/dev/shm/sem.faketime_sem_\(pid)")
    }
}
