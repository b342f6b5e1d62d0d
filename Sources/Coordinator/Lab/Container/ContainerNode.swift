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
        } catch { throw CoordinatorError(.lab, "\(node): cannot make its directories in \(layout.node(node)): \(error)") }
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

    /// Starts the container under its supervisor; returns the supervisor's pid.
    static func boot(_ layout: ContainerLabLayout, node: String) throws(CoordinatorError) -> Int32 {
        try ContainerCgroups.create(node)
        do { return try ChildProcess.spawnDetached(ContainerCgroups.supervise(node, bootCommand(layout, node: node)), logPath: layout.console(node)) } catch {
            throw CoordinatorError(.lab, "\(node): cannot start systemd-nspawn: \(error)")
        }
    }

    static func children(_ pid: Int32) -> [Int32] {
        guard let bytes = try? AtomicFile.read("/proc/\(pid)/task/\(pid)/children") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
    }

    static func command(_ pid: Int32) -> String? {
        (try? AtomicFile.read("/proc/\(pid)/comm")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self).trimmingWhitespace }
    }

    /// The node's systemd-nspawn: the supervisor's child.
    static func nspawn(of supervisor: Int32) -> Int32? {
        children(supervisor).first { command($0) == "systemd-nspawn" }
    }

    /// The container's PID 1 (seen from the host): nspawn's child once it has become systemd
    /// (before that it is nspawn's own forked child, setting up). A new one after each reboot.
    static func leader(of supervisor: Int32) -> Int32? {
        guard let nspawn = nspawn(of: supervisor) else { return nil }
        return children(nspawn).first { command($0) == "systemd" }
    }

    /// The recorded PID 1 while it still is the node's systemd, else the current one.
    static func currentLeader(supervisor: Int32, recorded: Int32?) -> Int32? {
        if let recorded, ChildProcess.isAlive(recorded), command(recorded) == "systemd",
           let nspawn = nspawn(of: supervisor), children(nspawn).contains(recorded) { return recorded }
        return leader(of: supervisor)
    }

    /// Waits (bounded) for the node's PID 1 to be systemd.
    static func waitForLeader(_ node: String, supervisor: Int32, deadline: ContinuousClock.Instant) throws(CoordinatorError) -> Int32 {
        while true {
            if let leader = leader(of: supervisor) { return leader }
            guard ChildProcess.isAlive(supervisor) else { throw CoordinatorError(.lab, "\(node): systemd-nspawn exited while booting (see its console.log)") }
            guard ContinuousClock.now < deadline else { throw CoordinatorError(.lab, "\(node): its PID 1 did not become systemd in time") }
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
            guard ChildProcess.isAlive(leader) else { throw CoordinatorError(.lab, "\(node): its systemd exited while booting (see its console.log)") }
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
            throw CoordinatorError(.lab, "\(node): systemd says \(state.isEmpty ? "nothing" : "'\(state)'") after booting; failed units: "
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

    /// Stops the supervisor first (so a dying node is not booted again), powers the node off
    /// through its systemd, and makes sure nspawn and the node's PID 1 are gone.
    static func stop(_ node: String, supervisor: Int32, leader recorded: Int32?) {
        let nspawn = self.nspawn(of: supervisor)
        let leader = currentLeader(supervisor: supervisor, recorded: recorded) ?? recorded
        if ChildProcess.isAlive(supervisor) { ChildProcess.signal(supervisor, 9) }
        if let leader, ChildProcess.isAlive(leader) {
            _ = try? ChildProcess.run(exec(leader, ["systemctl", "poweroff", "--no-block"]), timeout: .seconds(10))
        }
        func running() -> Bool { [nspawn, leader].contains { $0.map(ChildProcess.isAlive) == true } }
        let deadline = ContinuousClock.now + .seconds(30)
        while running(), ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(100)) }
        if running() {
            // Killing PID 1 ends the node's whole PID namespace; nspawn then exits too.
            if let leader { ChildProcess.signal(leader, 9) }
            if let nspawn { ChildProcess.signal(nspawn, 9) }
            while running(), ContinuousClock.now < deadline + .seconds(5) { ChildProcess.sleep(.milliseconds(100)) }
        }
    }
}
