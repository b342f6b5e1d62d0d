import HostSystem

/// Each node's nspawn runs in a cgroup of its own, `meridian-lab/NODE` in every hierarchy
/// systemd uses. Without it, nspawn puts its container in `<caller's cgroup>/payload` — the same
/// directory for every node started from one process, so the nodes' systemds would see each
/// other's units. nspawn leaves these (empty) directories behind; `lab down` removes them.
enum ContainerCgroups {
    /// The hierarchies nspawn uses here: name=systemd (v1) and the unified one on a hybrid
    /// host, or the single cgroup2 tree.
    static var hierarchies: [String] {
        if AtomicFile.exists("/sys/fs/cgroup/cgroup.procs") { return ["/sys/fs/cgroup"] }
        return ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"].filter { AtomicFile.exists($0 + "/cgroup.procs") }
    }

    static func directories(_ node: String) -> [String] { hierarchies.map { $0 + "/meridian-lab/" + node } }

    static func create(_ node: String) throws(CoordinatorError) {
        for directory in directories(node) {
            do { try AtomicFile.makeDirectories(directory, mode: 0o755) } catch { throw CoordinatorError(.lab, "\(node): cannot create cgroup \(directory): \(error)") }
        }
    }

    /// `argv` run from the node's cgroups by a tiny sh supervisor that moves itself there and
    /// runs it again whenever it exits with 133: systemd-nspawn's "the container rebooted"
    /// (what `RestartForceExitStatus=133` does in systemd's own systemd-nspawn@.service).
    static func supervise(_ node: String, _ argv: [String]) -> [String] {
        let moves = directories(node).map { "echo $$ > '\($0)/cgroup.procs' || exit 125; " }.joined()
        return ["/bin/sh", "-c", moves + "while :; do \"$@\"; rc=$?; [ \"$rc\" -eq 133 ] || exit \"$rc\"; done", "meridian-lab-" + node] + argv
    }

    /// Removes the node's (empty) cgroup trees, deepest first; a directory that still holds a
    /// process is kept and named.
    static func removeLeftovers(nodes: [String]) -> [String] {
        var removed: [String] = []
        for node in nodes {
            for directory in directories(node) where AtomicFile.exists(directory) {
                let result = try? ChildProcess.run(["find", directory, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"], timeout: .seconds(30))
                if result?.succeeded == true { removed.append(directory) }
            }
        }
        for hierarchy in hierarchies where AtomicFile.exists(hierarchy + "/meridian-lab") && AtomicFile.list(hierarchy + "/meridian-lab").allSatisfy({ !AtomicFile.exists(hierarchy + "/meridian-lab/" + $0 + "/cgroup.procs") }) {
            _ = try? ChildProcess.run(["rmdir", hierarchy + "/meridian-lab"], timeout: .seconds(5))
        }
        return removed
    }
}
