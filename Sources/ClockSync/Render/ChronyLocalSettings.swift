/// The part of chrony.conf that belongs to the node, not to the cluster: files, sockets and
/// (in the loopback lab) addresses and ports. It comes from the agent's own configuration and
/// never from the wire, so no coordinator can point chronyd's files anywhere.
public struct ChronyLocalSettings: Sendable, Equatable {
    public var driftFile = "/var/lib/chrony/chrony.drift"
    public var ntsDumpDirectory = "/var/lib/chrony"
    public var logDirectory = "/var/log/chrony"
    /// chrony's keyfile, written by the agent when the intent has keys (Debian's path).
    public var keyFile = ChronyKeyFile.path
    /// Where the header says the earlier versions are (the agent's root + `ChronyBackups.directory`).
    public var backupDirectory = ChronyBackups.directory
    public var lab: Lab?

    /// The loopback lab runs many chronyd on one machine: each binds its own address, serves on a
    /// shared port, has its own command socket and pid file, and polls fast.
    public struct Lab: Sendable, Equatable {
        public var bindAddress: IPAddress
        /// The port every lab time server serves on (so also the port of `server`/`peer` lines).
        public var ntpPort: Int
        public var commandSocket: String
        public var pidFile: String
        public var fastPolling: Bool

        public init(bindAddress: IPAddress, ntpPort: Int = 11123, commandSocket: String, pidFile: String, fastPolling: Bool = true) {
            self.bindAddress = bindAddress; self.ntpPort = ntpPort; self.commandSocket = commandSocket
            self.pidFile = pidFile; self.fastPolling = fastPolling
        }

        /// A lab node whose files live under `directory` (its root).
        public init(bindAddress: IPAddress, directory: String, ntpPort: Int = 11123) {
            self.init(bindAddress: bindAddress, ntpPort: ntpPort, commandSocket: directory + "/run/chronyd.sock",
                      pidFile: directory + "/run/chronyd.pid")
        }
    }

    public init() {}

    /// A lab node: every file under its root.
    public static func lab(root: String, bindAddress: IPAddress, ntpPort: Int = 11123) -> ChronyLocalSettings {
        var settings = ChronyLocalSettings()
        settings.driftFile = root + "/chrony.drift"
        settings.keyFile = root + ChronyKeyFile.path
        settings.backupDirectory = root + ChronyBackups.directory
        settings.lab = Lab(bindAddress: bindAddress, directory: root, ntpPort: ntpPort)
        return settings
    }

    /// Every path is absolute and safe to write into chrony.conf; the port is a port. The error
    /// names the field as the agent's configuration spells it.
    public func validate() throws(ChronyIntentError) {
        var paths = [("drift_file", driftFile), ("nts_dump_dir", ntsDumpDirectory), ("log_dir", logDirectory), ("backup_dir", backupDirectory),
                     ("key_file", keyFile)]
        if let lab { paths += [("lab.command_socket", lab.commandSocket), ("lab.pid_file", lab.pidFile)] }
        for (field, path) in paths where !(path.hasPrefix("/") && path.count <= 1024 && ClusterFile.isSafeText(path)) {
            throw ChronyIntentError(field, path, "must be an absolute path without spaces, newlines or #")
        }
        if let lab, !(1...65535).contains(lab.ntpPort) { throw ChronyIntentError("lab.ntp_port", "\(lab.ntpPort)", "must be 1-65535") }
    }
}
