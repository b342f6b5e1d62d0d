import HostSystem
import WireProtocol

extension FactsAction {
    /// Ceph's view of the node: `ceph -s` and `ceph time-sync-status` (the leader's per-monitor
    /// skew, by the same `ceph` program as the config's `ceph_status`), asked only where the node
    /// has a Ceph config: without one the ceph CLI has nothing to ask, and with one whose
    /// monitors are down each call ends at its timeout.
    func ceph() -> (status: CommandOutput?, timeSync: CommandOutput?) {
        guard let program = commands.cephStatus.first, AtomicFile.exists(files.root + "/etc/ceph/ceph.conf") else { return (nil, nil) }
        let status = present(runner.run(commands.cephStatus, timeout: .seconds(10)))
        guard status?.succeeded == true else { return (status, nil) }
        return (status, present(runner.run([program, "time-sync-status", "--format", "json"], timeout: .seconds(10))))
    }
}
