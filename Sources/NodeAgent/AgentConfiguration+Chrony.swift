import ClockSync

/// The agent config's `chrony` object: the node's own part of chrony.conf (files, and in the
/// loopback lab address, port and command socket). These never come from the wire.
///
///     "chrony": {"drift_file": "/var/lib/chrony/chrony.drift", "nts_dump_dir": "/var/lib/chrony",
///                "log_dir": "/var/log/chrony",
///                "lab": {"bind_address": "127.0.0.2", "ntp_port": 11123,
///                        "command_socket": "/…/run/chronyd.sock", "pid_file": "/…/run/chronyd.pid",
///                        "fast_polling": true}}
///
/// Paths left out default to Debian's, under the agent's `root`; the backup directory is always
/// `root` + `ChronyBackups.directory`, where `chrony.apply` keeps the earlier files; the keyfile
/// is always `root` + `/etc/chrony/chrony.keys`.
struct ChronySettingsConfig: Decodable {
    var drift: String?, ntsDump: String?, log: String?
    var lab: ChronyLocalSettings.Lab?

    enum Key: String, CodingKey, CaseIterable { case driftFile = "drift_file", ntsDumpDir = "nts_dump_dir", logDir = "log_dir", lab }
    enum LabKey: String, CodingKey, CaseIterable {
        case bindAddress = "bind_address", ntpPort = "ntp_port", commandSocket = "command_socket", pidFile = "pid_file", fastPolling = "fast_polling"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try Self.refuseUnknown(decoder, Key.allCases.map(\.rawValue), at: "chrony")
        let c = try decoder.container(keyedBy: Key.self)
        drift = try c.decodeIfPresent(String.self, forKey: .driftFile)
        ntsDump = try c.decodeIfPresent(String.self, forKey: .ntsDumpDir)
        log = try c.decodeIfPresent(String.self, forKey: .logDir)
        guard c.contains(.lab) else { return }
        let labDecoder = try c.superDecoder(forKey: .lab)
        try Self.refuseUnknown(labDecoder, LabKey.allCases.map(\.rawValue), at: "chrony.lab")
        let l = try labDecoder.container(keyedBy: LabKey.self)
        let addressText = try l.decode(String.self, forKey: .bindAddress)
        guard let address = IPAddress(addressText) else {
            throw AgentError(.invalidField, "field \"chrony.lab.bind_address\" must be an IP address, found \"\(addressText)\"")
        }
        lab = ChronyLocalSettings.Lab(bindAddress: address, ntpPort: try l.decode(Int.self, forKey: .ntpPort),
                                      commandSocket: try l.decode(String.self, forKey: .commandSocket),
                                      pidFile: try l.decode(String.self, forKey: .pidFile),
                                      fastPolling: try l.decodeIfPresent(Bool.self, forKey: .fastPolling) ?? true)
    }

    /// The settings the agent renders with: defaults under `root`, every path checked.
    func settings(root: String) throws(AgentError) -> ChronyLocalSettings {
        var settings = ChronyLocalSettings()
        settings.driftFile = drift ?? root + settings.driftFile
        settings.ntsDumpDirectory = ntsDump ?? root + settings.ntsDumpDirectory
        settings.logDirectory = log ?? root + settings.logDirectory
        settings.backupDirectory = root + ChronyBackups.directory
        // Debian's keyfile path under the root, never configurable: the contract checks rely on it.
        settings.keyFile = root + ChronyKeyFile.path
        settings.lab = lab
        do { try settings.validate() } catch { throw AgentError(.invalidField, "field \"chrony.\(error.field)\": \(error.problem), found \"\(error.value)\"") }
        return settings
    }

    static func refuseUnknown(_ decoder: any Decoder, _ known: [String], at path: String) throws {
        let all = try decoder.container(keyedBy: AgentConfiguration.AnyKey.self).allKeys.map(\.stringValue).sorted()
        if let unknown = all.first(where: { !known.contains($0) }) {
            throw AgentError(.invalidField, "unknown field \"\(path).\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
