import HostSystem
import SecureTransport

/// The lab has no corosync: this stands in for its quorum, the way the offset files stand in for
/// the kernel clock, so `apply --restart-cluster-services` can be exercised end to end. A node's
/// corosync is "down" for 1.5 s after a restart, and forever once `DIR/corosync/NODE.broken`
/// exists; the cluster is quorate while more than half of the nodes are up.
public enum LabCorosync {
    static func directory(_ layout: LabLayout) -> String { layout.directory + "/corosync" }

    public static func restart(_ layout: LabLayout, node: String) throws(CoordinatorError) {
        if AtomicFile.exists(directory(layout) + "/\(node).break-on-restart") {
            AtomicFile.remove(directory(layout) + "/\(node).break-on-restart")
            try breakNode(layout, node: node)
            return
        }
        let until = WallClock.now().asDouble + 1.5
        do {
            try AtomicFile.makeDirectories(directory(layout))
            try AtomicFile.write(Array("\(until)\n".utf8), to: directory(layout) + "/\(node).down-until")
        } catch { throw CoordinatorError(.io, "cannot record the restart of \(node): \(error)") }
    }

    public static func breakNode(_ layout: LabLayout, node: String) throws(CoordinatorError) {
        do {
            try AtomicFile.makeDirectories(directory(layout))
            try AtomicFile.write(Array("broken\n".utf8), to: directory(layout) + "/\(node).broken")
        } catch { throw CoordinatorError(.io, "cannot break \(node): \(error)") }
    }

    /// The node's next corosync restart never comes back (a node whose quorum is lost).
    public static func breakOnRestart(_ layout: LabLayout, node: String) throws(CoordinatorError) {
        do {
            try AtomicFile.makeDirectories(directory(layout))
            try AtomicFile.write(Array("break\n".utf8), to: directory(layout) + "/\(node).break-on-restart")
        } catch { throw CoordinatorError(.io, "cannot arm \(node): \(error)") }
    }

    static func isUp(_ layout: LabLayout, node: String) -> Bool {
        if AtomicFile.exists(directory(layout) + "/\(node).broken") { return false }
        guard let bytes = try? AtomicFile.read(directory(layout) + "/\(node).down-until"),
              let until = Double(String(decoding: bytes, as: UTF8.self).trimmingWhitespace) else { return true }
        return WallClock.now().asDouble >= until
    }

    /// `pvecm status` as a lab node would print it; the exit status follows pvecm (0 quorate, 2 not).
    public static func status(_ layout: LabLayout, node local: String) -> (text: String, quorate: Bool) {
        let nodes = LabState.load(layout)?.nodes ?? []
        let up = nodes.filter { isUp(layout, node: $0) }
        let localUp = isUp(layout, node: local)
        let quorate = localUp && up.count * 2 > nodes.count
        var text = """
            Cluster information
            -------------------
            Name:             lab (simulated by meridian lab; no corosync runs here)

            Quorum information
            ------------------
            Nodes:            \(localUp ? up.count : 1)
            Quorate:          \(quorate ? "Yes" : "No")

            Votequorum information
            ----------------------
            Expected votes:   \(nodes.count)
            Total votes:      \(localUp ? up.count : 1)
            Quorum:           \(nodes.count / 2 + 1)\(quorate ? "" : " Activity blocked")

            Membership information
            ----------------------
                Nodeid      Votes Name

            """
        for (index, node) in nodes.enumerated() where localUp ? up.contains(node) : node == local {
            text += "0x0000000\(index + 1)          1 \(LabLayout.address(index + 1))\(node == local ? " (local)" : "")\n"
        }
        return (text, quorate)
    }
}
