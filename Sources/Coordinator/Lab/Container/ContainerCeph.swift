import HostSystem
import JSONCore
import ClockSync

/// Real Ceph monitors (Debian's ceph-mon, cephx on) on the first K lab nodes, each started by
/// its real `ceph-mon@NODE.service` on the node's simulated clock (a drop-in, as for chrony), so
/// a skewed monitor makes Ceph raise its own `MON_CLOCK_SKEW`. The leader (rank 0, the lowest
/// address: node1) measures the others, so a skew shows on a non-leader.
enum ContainerCeph {
    /// What a lab's monitors are tuned for: time checks every few seconds instead of 300 s / 30 s
    /// (FIELD-NOTES: set in ceph.conf, changing them at run time did not take effect), and a disk
    /// warning that a nearly full build machine does not trip (MON_DISK_LOW would keep the
    /// cluster in HEALTH_WARN forever and hide what the lab is about).
    static func conf(fsid: String, monitors: [(name: String, address: String)]) -> String {
        let hosts = monitors.map { "[v2:\($0.address):3300,v1:\($0.address):6789]" }.joined(separator: ",")
        var text = """
        # meridian container lab: real Ceph monitors (cephx on), time checks every 5 s.
        [global]
        fsid = \(fsid)
        mon_initial_members = \(monitors.map(\.name).joined(separator: ", "))
        mon_host = \(hosts)
        public_network = \(ContainerLabLayout.subnet)
        auth_cluster_required = cephx
        auth_service_required = cephx
        auth_client_required = cephx
        auth_allow_insecure_global_id_reclaim = false
        mon_clock_drift_allowed = 0.05
        mon_timecheck_interval = 5
        mon_timecheck_skew_interval = 5
        mon_data_avail_warn = 1
        mon_data_avail_crit = 0
        client_mount_timeout = 5
        rados_mon_op_timeout = 5

        """
        for monitor in monitors { text += "\n[mon.\(monitor.name)]\npublic_addr = \(monitor.address)\n" }
        return text
    }

    static func dropIn() -> String {
        """
        # meridian container lab: the monitor runs on the node's simulated clock.
        [Service]
        \(ContainerNodeFiles.fakeClockEnvironment(timestampShim: false))

        """
    }

    static func fsid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { byte in String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16) }.joined()
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }

    /// Makes the keys and the monmap on the first monitor, gives every monitor node the config,
    /// the root-only admin keyring and its own store, starts them and waits for their quorum.
    static func start(_ layout: ContainerLabLayout, monitors: [(name: String, address: String, leader: Int32)],
                      log: (String) -> Void) throws(CoordinatorError) {
        guard let first = monitors.first else { return }
        let started = ContinuousClock.now
        let fsid = fsid()
        let conf = conf(fsid: fsid, monitors: monitors.map { ($0.name, $0.address) })
        func run(_ node: (name: String, address: String, leader: Int32), _ argv: [String], _ what: String) throws(CoordinatorError) {
            try Host.run(ContainerNode.exec(node.leader, argv), "\(what) in \(node.name)", timeout: .seconds(60))
        }
        let bootstrap = "/var/lib/ceph/tmp/meridian-lab"
        try write(layout, node: first.name, "/etc/ceph/ceph.conf", Array(conf.utf8), mode: 0o644)
        try run(first, ["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0700", bootstrap], "make \(bootstrap)")
        try run(first, ["ceph-authtool", "--create-keyring", bootstrap + "/mon.keyring", "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"], "make the mon. key")
        try run(first, ["ceph-authtool", "--create-keyring", "/etc/ceph/ceph.client.admin.keyring", "--gen-key", "-n", "client.admin",
                        "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *", "--cap", "mgr", "allow *"], "make the admin key")
        try run(first, ["ceph-authtool", bootstrap + "/mon.keyring", "--import-keyring", "/etc/ceph/ceph.client.admin.keyring"], "import the admin key")
        try run(first, ["monmaptool", "--create", "--fsid", fsid] + monitors.flatMap { ["--addv", $0.name, "[v2:\($0.address):3300,v1:\($0.address):6789]"] }
                    + [bootstrap + "/monmap"], "make the monmap")
        let root = layout.root(first.name)
        guard let monKeyring = try? AtomicFile.read(root + bootstrap + "/mon.keyring"),
              let monmap = try? AtomicFile.read(root + bootstrap + "/monmap"),
              let admin = try? AtomicFile.read(root + "/etc/ceph/ceph.client.admin.keyring") else {
            throw CoordinatorError(.lab, "\(first.name): the Ceph keys or monmap it made are not in \(root + bootstrap)")
        }
        for monitor in monitors {
            if monitor.name != first.name {
                try write(layout, node: monitor.name, "/etc/ceph/ceph.conf", Array(conf.utf8), mode: 0o644)
                try write(layout, node: monitor.name, "/etc/ceph/ceph.client.admin.keyring", admin, mode: 0o600)
                try run(monitor, ["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0700", bootstrap], "make \(bootstrap)")
                try write(layout, node: monitor.name, bootstrap + "/mon.keyring", monKeyring, mode: 0o600)
                try write(layout, node: monitor.name, bootstrap + "/monmap", monmap, mode: 0o600)
            }
            try run(monitor, ["chown", "ceph:ceph", bootstrap + "/mon.keyring", bootstrap + "/monmap"], "give the bootstrap files to ceph")
            try run(monitor, ["chmod", "0600", "/etc/ceph/ceph.client.admin.keyring"], "make the admin keyring root-only")
            let data = "/var/lib/ceph/mon/ceph-\(monitor.name)"
            try run(monitor, ["install", "-d", "-o", "ceph", "-g", "ceph", "-m", "0750", data], "make \(data)")
            try run(monitor, ["ceph-mon", "--mkfs", "-i", monitor.name, "--monmap", bootstrap + "/monmap", "--keyring", bootstrap + "/mon.keyring",
                              "--setuser", "ceph", "--setgroup", "ceph"], "make mon.\(monitor.name)'s store")
            try write(layout, node: monitor.name, "/etc/systemd/system/ceph-mon@\(monitor.name).service.d/meridian-lab.conf", Array(dropIn().utf8), mode: 0o644)
            try run(monitor, ["systemctl", "daemon-reload"], "reload systemd")
            try run(monitor, ["systemctl", "enable", "--now", "ceph-mon@\(monitor.name).service"], "start ceph-mon@\(monitor.name)")
        }
        try waitForQuorum(first, count: monitors.count, deadline: ContinuousClock.now + .seconds(90))
        for monitor in monitors { _ = try? ChildProcess.run(ContainerNode.exec(monitor.leader, ["rm", "-rf", bootstrap]), timeout: .seconds(10)) }
        log("lab up: Ceph (real ceph-mon, cephx) quorate with \(monitors.count) monitors on \(monitors.map(\.name).joined(separator: ", ")) "
            + "in \(Durations.duration((ContinuousClock.now - started).seconds)); leader \(first.name) measures the others' clocks every 5 s")
    }

    static func waitForQuorum(_ node: (name: String, address: String, leader: Int32), count: Int, deadline: ContinuousClock.Instant) throws(CoordinatorError) {
        var last = ""
        while ContinuousClock.now < deadline {
            if let result = try? ChildProcess.run(ContainerNode.exec(node.leader, ["ceph", "--connect-timeout", "5", "quorum_status", "--format", "json"]),
                                                  timeout: .seconds(15)) {
                last = (result.stdout + result.stderr).trimmingWhitespace
                if result.succeeded, quorumSize(result.stdout) == count { return }
            }
            ChildProcess.sleep(.milliseconds(300))
        }
        throw CoordinatorError(.lab, "\(node.name): Ceph's monitors did not form a quorum of \(count) in time; ceph quorum_status said: \(last.prefix(400))")
    }

    /// `quorum_names` of `ceph quorum_status --format json`, counted.
    static func quorumSize(_ json: String) -> Int {
        guard let value = try? JSONValue(parsing: Array(json.utf8)), let names = value["quorum_names"]?.arrayValue else { return 0 }
        return names.count
    }

    static func write(_ layout: ContainerLabLayout, node: String, _ path: String, _ bytes: [UInt8], mode: UInt32) throws(CoordinatorError) {
        let full = layout.root(node) + path
        do {
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: full), mode: 0o755)
            try AtomicFile.write(bytes, to: full, mode: mode)
        } catch { throw CoordinatorError(.lab, "\(node): cannot write \(path): \(error)") }
    }
}
