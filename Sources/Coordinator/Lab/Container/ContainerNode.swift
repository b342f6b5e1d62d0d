import HostSystem

/// One lab node: an overlay on the shared base, booted by systemd-nspawn with a real systemd as
/// PID 1 inside the node's own network namespace.
enum ContainerNode {
    /// Mounts `base` (read-only lower) + the node's upper dir at its root.
    static func mountOverlay(_ layout: ContainerLabLayout, node: String, base: String) throws(CoordinatorError) {
        do {
            for directory in [layout.upper(node), layout.work(node), layout.root(node), layout.clockDirectory(node)] {
                try AtomicFile.makeDirectories(directory, mode: 0o755)
            }
        } catch { throw CoordinatorError("\(node): cannot make its directories in \(layout.node(node)): \(error)") }
        try Host.run(["mount", "-t", "overlay", "overlay", "-o",
                      "lowerdir=\(base),upperdir=\(layout.upper(node)),workdir=\(layout.work(node))", layout.root(node)],
                     "mount \(node)'s overlay at \(layout.root(node))")
    }

    static func isMounted(_ path: String) -> Bool {
        guard let bytes = try? AtomicFile.read("/proc/self/mounts") else { return false }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(path) }
    }

    /// The systemd-nspawn command line. Never `--capability=CAP_SYS_TIME` (or `all`): a process
    /// with it that sets the kernel timezone for the first time since boot moves the host's clock.
    /// CAP_NET_ADMIN, which nspawn grants only with `--private-network`, is given back: the node
    /// has its own network namespace and its firewall (ufw, nftables) needs it, as on a real node.
    static func bootCommand(_ layout: ContainerLabLayout, node: String) -> [String] {
        ["systemd-nspawn", "--quiet", "-D", layout.root(node), "-b", "--register=no", "--keep-unit", "--timezone=off",
         "--console=pipe", "--resolv-conf=off", "--link-journal=no", "--machine=\(node)", "--hostname=\(node)",
         "--network-namespace-path=/run/netns/\(ContainerLabLayout.namespace(node))", "--capability=CAP_NET_ADMIN",
         "--bind-ro=\(layout.clockDirectory(node)):\(ContainerLabLayout.clockMount)"]
    }

    /// Starts the container; returns the nspawn pid.
    static func boot(_ layout: ContainerLabLayout, node: String) throws(CoordinatorError) -> Int32 {
        try ContainerCgroups.create(node)
        do { return try ChildProcess.spawnDetached(ContainerCgroups.wrap(node, bootCommand(layout, node: node)), logPath: layout.console(node)) } catch {
            throw CoordinatorError("\(node): cannot start systemd-nspawn: \(error)")
        }
    }

    /// The container's PID 1 (seen from the host): the child of the nspawn process, once it has
    /// become systemd (before that it is nspawn's own forked child, setting up).
    static func leader(ofNspawn pid: Int32) -> Int32? {
        guard let bytes = try? AtomicFile.read("/proc/\(pid)/task/\(pid)/children") else { return nil }
        for child in String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap({ Int32($0) }) {
            if let comm = try? AtomicFile.read("/proc/\(child)/comm"), String(decoding: comm, as: UTF8.self).trimmingWhitespace == "systemd" { return child }
        }
        return nil
    }

    /// Waits (bounded) for the node's PID 1 to be systemd.
    static func waitForLeader(_ node: String, nspawn: Int32, deadline: ContinuousClock.Instant) throws(CoordinatorError) -> Int32 {
        while true {
            if let leader = leader(ofNspawn: nspawn) { return leader }
            guard ChildProcess.isAlive(nspawn) else { throw CoordinatorError("\(node): systemd-nspawn exited while booting (see its console.log)") }
            guard ContinuousClock.now < deadline else { throw CoordinatorError("\(node): its PID 1 did not become systemd in time") }
            ChildProcess.sleep(.milliseconds(50))
        }
    }

    /// Waits (bounded) for the node's systemd to finish booting; fails naming the failed units.
    /// Polls: `is-system-running --wait` answers "offline" at once while PID 1's bus is not up.
    static func waitUntilRunning(_ node: String, leader: Int32, deadline: ContinuousClock.Instant) throws(CoordinatorError) {
        var state = ""
        while ContinuousClock.now < deadline {
            state = (try? ChildProcess.run(exec(leader, ["systemctl", "is-system-running"]), timeout: .seconds(10)))?.stdout.trimmingWhitespace ?? ""
            if ["running", "degraded", "maintenance", "stopping"].contains(state) { break }
            guard ChildProcess.isAlive(leader) else { throw CoordinatorError("\(node): its systemd exited while booting (see its console.log)") }
            ChildProcess.sleep(.milliseconds(100))
        }
        guard state == "running" else {
            let failed = (try? ChildProcess.run(exec(leader, ["systemctl", "--failed", "--no-legend", "--plain"]), timeout: .seconds(10)))?.stdout
                .split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) } ?? []
            // The evidence: each failed unit's last journal lines.
            let evidence = failed.map { unit in
                let journal = (try? ChildProcess.run(exec(leader, ["journalctl", "--no-pager", "-o", "cat", "-n", "4", "-u", unit]), timeout: .seconds(10)))?.stdout ?? ""
                return "\(unit): " + journal.split(separator: "\n").joined(separator: " | ")
            }
            throw CoordinatorError("\(node): systemd says \(state.isEmpty ? "nothing" : "'\(state)'") after booting; failed units: "
                + (evidence.isEmpty ? "none listed" : evidence.joined(separator: "; ")))
        }
    }

    /// argv that runs `command` inside the node (all its namespaces; the node's own binaries).
    /// nsenter keeps the host's capabilities, and CLOCK_REALTIME is not namespaced: without the
    /// setpriv step a `lab exec node1 -- date -s …` would set the host's clock. The command gets
    /// what nspawn takes from the node (CAP_SYS_TIME, CAP_SYS_MODULE, CAP_SYS_RAWIO) taken away.
    static func exec(_ leader: Int32, _ command: [String]) -> [String] {
        let dropped = "-sys_time,-sys_module,-sys_rawio"
        return ["nsenter", "-t", String(leader), "-a", "setpriv", "--inh-caps=" + dropped, "--bounding-set=" + dropped, "--"] + command
    }

    /// Powers the node off through its systemd, then makes sure nspawn has gone.
    static func stop(_ node: String, nspawn: Int32, leader recorded: Int32?) {
        let leader = recorded ?? self.leader(ofNspawn: nspawn)
        guard ChildProcess.isAlive(nspawn) else {
            if let leader, ChildProcess.isAlive(leader) { ChildProcess.signal(leader, 9) }  // an orphaned node
            return
        }
        if let leader { _ = try? ChildProcess.run(exec(leader, ["systemctl", "poweroff", "--no-block"]), timeout: .seconds(10)) }
        let deadline = ContinuousClock.now + .seconds(30)
        while ChildProcess.isAlive(nspawn), ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(100)) }
        if ChildProcess.isAlive(nspawn) {
            // Killing PID 1 ends the node's whole PID namespace; nspawn then exits too.
            if let leader { ChildProcess.signal(leader, 9) }
            ChildProcess.signal(nspawn, 9)
            while ChildProcess.isAlive(nspawn), ContinuousClock.now < deadline + .seconds(5) { ChildProcess.sleep(.milliseconds(100)) }
        }
    }
}
