import HostSystem

/// What the lab writes into a node's overlay before it boots. Everything else in the node is
/// the base as debootstrap left it: Debian's default chrony.conf, Etc/UTC, no agent.
enum ContainerNodeFiles {
    /// The node's view of its neighbours: every node by name, and the coordinator.
    static func hosts(_ nodes: [(name: String, address: String)]) -> String {
        var lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
                     "\(ContainerLabLayout.coordinatorAddress)\tmeridian-coordinator"]
        lines += nodes.map { "\($0.address)\t\($0.name)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The clock every lab process of the node runs on: libfaketime reading the node's offset
    /// file, which the lab (and its clock loop) rewrites.
    static func fakeClockEnvironment(timestampShim: Bool) -> String {
        let preload = [ContainerLabLayout.libfaketime] + (timestampShim ? [ContainerLabLayout.clockMount + "/" + shimName] : [])
        return "Environment=\"LD_PRELOAD=\(preload.joined(separator: " "))\" "
            + "FAKETIME_TIMESTAMP_FILE=\(ContainerLabLayout.clockMount)/offset FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
    }

    static let shimName = "libMeridianLabTimestampShim.so"

    /// Debian's chrony.service is skipped without CAP_SYS_TIME, which lab nodes never get.
    /// The empty ConditionCapability= lets it start; -x (in /etc/default/chrony) keeps chronyd
    /// from ever trying to steer a clock.
    static func chronyDropIn(timestampShim: Bool) -> String {
        """
        # meridian container lab: no CAP_SYS_TIME in a lab node; chronyd measures only (-x,
        # see /etc/default/chrony) on the node's simulated clock.
        [Unit]
        ConditionCapability=
        [Service]
        \(fakeClockEnvironment(timestampShim: timestampShim))

        """
    }

    static func agentDropIn() -> String {
        """
        # meridian container lab: the agent reads the node's simulated clock.
        [Service]
        \(fakeClockEnvironment(timestampShim: false))

        """
    }

    /// Debian's /etc/default/chrony with -x added to DAEMON_OPTS: the unit's
    /// `EnvironmentFile=` overrides an `Environment=DAEMON_OPTS` from a drop-in.
    static func chronyDefaults(_ debian: String) throws(CoordinatorError) -> String {
        var found = false
        let lines = debian.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("DAEMON_OPTS=") else { return String(line) }
            found = true
            var options = line.dropFirst("DAEMON_OPTS=".count)
            if options.hasPrefix("\""), options.hasSuffix("\""), options.count >= 2 { options = options.dropFirst().dropLast() }
            let words = options.split(separator: " ").map(String.init)
            return "DAEMON_OPTS=\"" + (words.contains("-x") ? words : words + ["-x"]).joined(separator: " ") + "\""
        }
        guard found else { throw CoordinatorError(.lab, "the base's /etc/default/chrony has no DAEMON_OPTS= line to add -x to") }
        return lines.joined(separator: "\n")
    }

    /// Writes the node's own files into its merged root (the overlay records them in `upper`).
    static func write(_ layout: ContainerLabLayout, node: String, all: [(name: String, address: String)],
                      authorizedKey: String, timestampShim: String?) throws(CoordinatorError) {
        let root = layout.root(node)
        do {
            try AtomicFile.write(Array((node + "\n").utf8), to: root + "/etc/hostname")
            try AtomicFile.write(Array(hosts(all).utf8), to: root + "/etc/hosts")
            try AtomicFile.makeDirectories(root + "/root/.ssh", mode: 0o700)
            try AtomicFile.write(Array(authorizedKey.utf8), to: root + "/root/.ssh/authorized_keys", mode: 0o600)
            let hasShim = timestampShim.map(AtomicFile.exists) ?? false
            try AtomicFile.makeDirectories(root + "/etc/systemd/system/chrony.service.d")
            try AtomicFile.write(Array(chronyDropIn(timestampShim: hasShim).utf8), to: root + "/etc/systemd/system/chrony.service.d/meridian-lab.conf")
            try AtomicFile.makeDirectories(root + "/etc/systemd/system/meridian-agent.service.d")
            try AtomicFile.write(Array(agentDropIn().utf8), to: root + "/etc/systemd/system/meridian-agent.service.d/meridian-lab.conf")
            guard let defaults = try AtomicFile.read(root + "/etc/default/chrony") else {
                throw CoordinatorError(.lab, "the base has no /etc/default/chrony (is chrony in it?)")
            }
            try AtomicFile.write(Array(chronyDefaults(String(decoding: defaults, as: UTF8.self)).utf8), to: root + "/etc/default/chrony")
            if let shim = timestampShim, hasShim, let bytes = try AtomicFile.read(shim) {
                try AtomicFile.write(bytes, to: layout.clockDirectory(node) + "/" + shimName, mode: 0o755)
            }
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.lab, "\(node): cannot write its files into \(root): \(error)")
        }
        // No NVMe-oF in a container: nvme-cli's boot unit (pulled in by Ceph) would fail there.
        try Host.run(["ln", "-sfn", "/dev/null", root + "/etc/systemd/system/nvmf-autoconnect.service"], "mask nvmf-autoconnect.service in \(node)")
        // Its own SSH host key (the base has none), recorded in the lab's known_hosts.
        let key = root + "/etc/ssh/ssh_host_ed25519_key"
        AtomicFile.remove(key); AtomicFile.remove(key + ".pub")
        try Host.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@" + node, "-f", key], "make \(node)'s SSH host key")
    }
}
