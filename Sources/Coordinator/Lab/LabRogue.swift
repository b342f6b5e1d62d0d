import HostSystem
import ClockSync

/// A rogue time server for the authentication tests: a chronyd on its own loopback address
/// that serves the lab's NTP port from a clock that is off, at a better stratum than the
/// cluster's servers, and holds none of the cluster's keys. With `ntp_auth: keys` a node that
/// lists it as a source never selects it (`authselectmode require`). Always `-x`.
public enum LabRogue {
    public static let name = "rogue"

    /// Starts it under DIR/nodes/rogue (stopped by `lab down` too); `offset` seconds off.
    public static func start(_ layout: LabLayout, address: String, offset: Double = 3, stratum: Int = 1,
                             meridianBinary: String) throws(CoordinatorError) {
        let root = layout.root(name)
        do {
            try AtomicFile.makeDirectories(root + "/run", mode: 0o700)
            try AtomicFile.setPermissions(root + "/run", 0o700)
            AtomicFile.remove(layout.socket(name))
            try LabClock.writeOffset(layout, node: name, seconds: offset)
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: layout.chronyConf(name)))
            let config = """
                # Lab rogue time server: no keys, a wrong clock, a tempting stratum. chronyd runs with -x.
                local stratum \(stratum)
                allow 127.0.0.0/8
                user root
                bindaddress \(address)
                port \(LabLayout.serverPort)
                cmdport 0
                bindcmdaddress \(layout.socket(name))
                pidfile \(layout.pidFile(name))
                driftfile \(root)/chrony.drift

                """
            try AtomicFile.write(Array(config.utf8), to: layout.chronyConf(name))
        } catch {
            throw CoordinatorError(.lab, "cannot prepare the rogue time server: \(error)")
        }
        try LabProcesses.startChronyd(layout, node: name, timestampShim: LabLayout.timestampShim(besideExecutable: meridianBinary))
    }

    public static func stop(_ layout: LabLayout) { LabProcesses.stopChronyd(layout, node: name) }
}
