import HostSystem
import ClockSync

/// One real corosync cluster of all the lab's nodes: knet over the lab bridge, votequorum, one
/// shared authkey; each node's own `corosync.service` (Debian's unit, unchanged) starts it at
/// boot. Proxmox's `pve-cluster` (pmxcfs) is not in Debian: a stand-in unit of that name, clearly
/// labelled, lets the rolling restart run its real `systemctl restart pve-cluster.service`.
enum ContainerCorosync {
    static let clusterName = "meridian-lab"
    /// knet's default port (UDP), let in through each node's ufw.
    static let knetPort = 5405

    static func conf(_ nodes: [(name: String, address: String)]) -> String {
        let members = nodes.enumerated().map { index, node in
            """
              node {
                name: \(node.name)
                nodeid: \(index + 1)
                ring0_addr: \(node.address)
              }
            """
        }
        return """
        # meridian container lab: one corosync cluster of every lab node (knet on the lab bridge).
        totem {
          version: 2
          cluster_name: \(clusterName)
          transport: knet
          crypto_cipher: aes256
          crypto_hash: sha256
          keyfile: /etc/corosync/authkey
        }
        nodelist {
        \(members.joined(separator: "\n"))
        }
        quorum {
          provider: corosync_votequorum
        }
        logging {
          to_stderr: no
          to_syslog: yes
          to_logfile: no
          timestamp: on
        }

        """
    }

    static let standInUnit = """
        # meridian container lab: A STAND-IN, NOT PROXMOX. pve-cluster (pmxcfs) is Proxmox's own and
        # not in Debian; this unit only lets `systemctl restart pve-cluster.service` run in the lab.
        [Unit]
        Description=STAND-IN for Proxmox pve-cluster (meridian container lab; does nothing)
        After=corosync.service

        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=/bin/true

        [Install]
        WantedBy=multi-user.target

        """

    /// corosync's key: 256 random bytes, as `corosync-keygen` makes (kept in the lab directory).
    static func authkey(_ layout: ContainerLabLayout) throws(CoordinatorError) -> [UInt8] {
        let path = layout.directory + "/corosync-authkey"
        if let bytes = try? AtomicFile.read(path), bytes.count == 256 { return bytes }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<256).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        do { try AtomicFile.write(key, to: path, mode: 0o400) } catch { throw CoordinatorError(.lab, "cannot write \(path): \(error)") }
        return key
    }

    /// Writes corosync.conf, the authkey and the pve-cluster stand-in (enabled) into the overlay.
    static func write(_ layout: ContainerLabLayout, node: String, all: [(name: String, address: String)], key: [UInt8]) throws(CoordinatorError) {
        let root = layout.root(node)
        do {
            try AtomicFile.makeDirectories(root + "/etc/corosync", mode: 0o755)
            try AtomicFile.write(Array(conf(all).utf8), to: root + "/etc/corosync/corosync.conf", mode: 0o644)
            try AtomicFile.write(key, to: root + "/etc/corosync/authkey", mode: 0o400)
            try AtomicFile.write(Array(standInUnit.utf8), to: root + "/etc/systemd/system/pve-cluster.service", mode: 0o644)
            try AtomicFile.makeDirectories(root + "/etc/systemd/system/multi-user.target.wants", mode: 0o755)
        } catch { throw CoordinatorError(.lab, "\(node): cannot write its corosync files into \(root): \(error)") }
        try Host.run(["ln", "-sfn", "/etc/systemd/system/pve-cluster.service", root + "/etc/systemd/system/multi-user.target.wants/pve-cluster.service"],
                     "enable the pve-cluster stand-in in \(node)")
    }

    /// Waits (bounded) until corosync on every node says the cluster is quorate with every vote.
    static func waitQuorate(_ nodes: [(name: String, leader: Int32)], deadline: ContinuousClock.Instant) throws(CoordinatorError) {
        var last = ""
        for node in nodes {
            while true {
                let result = try? ChildProcess.run(ContainerNode.exec(node.leader, ["corosync-quorumtool", "-s"]), timeout: .seconds(10))
                if let result {
                    last = result.stdout + result.stderr
                    if result.succeeded, quorateWithAll(result.stdout, count: nodes.count) { break }
                }
                guard ContinuousClock.now < deadline else {
                    throw CoordinatorError(.lab, "\(node.name): corosync is not quorate with all \(nodes.count) votes in time; "
                        + "corosync-quorumtool said: \(last.split(separator: "\n").joined(separator: " | "))")
                }
                ChildProcess.sleep(.milliseconds(200))
            }
        }
    }

    /// `Quorate: Yes` and `Total votes: N` (every node joined).
    static func quorateWithAll(_ text: String, count: Int) -> Bool {
        var quorate = false, votes = -1
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace }
            guard parts.count == 2 else { continue }
            if parts[0] == "Quorate" { quorate = parts[1] == "Yes" }
            if parts[0] == "Total votes" { votes = Int(parts[1]) ?? -1 }
        }
        return quorate && votes == count
    }
}
