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

    /// The stand-in the lab's agents run as `pvecm status`: a bash script, written at `lab up` with
    /// the node list in it, printing what `status(_:node:)` prints from the same files. A whole
    /// `meridian` process per node and survey was the largest cost of `meridian status` on a
    /// 32-node lab (Swift runtime start under libfaketime); bash answers in about a millisecond.
    /// LabCorosyncTests compare the two outputs in every state.
    static func standInPath(_ layout: LabLayout) -> String { directory(layout) + "/pvecm-status.bash" }

    static func writeStandIn(_ layout: LabLayout, nodes: [String]) throws(CoordinatorError) {
        func quoted(_ text: String) -> String { "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'" }
        let addresses = nodes.indices.map { LabLayout.address($0 + 1) }
        let script = #"""
            # meridian lab: `pvecm status` of a simulated corosync (LabCorosync); no corosync runs here.
            # A node is down while DIR/NODE.broken exists or until the time in DIR/NODE.down-until.
            dir=\#(quoted(directory(layout)))
            nodes=(\#(nodes.map(quoted).joined(separator: " ")))
            addresses=(\#(addresses.joined(separator: " ")))
            self=$1
            now=${EPOCHREALTIME//[^0-9]/}
            is_up() {
                [[ -e $dir/$1.broken ]] && return 1
                local until=
                [[ -r $dir/$1.down-until ]] && read -r until < "$dir/$1.down-until"
                [[ $until =~ ^([0-9]{1,12})(\.([0-9]*))?$ ]] || return 0
                local fraction=${BASH_REMATCH[3]}000000
                (( now >= 10#${BASH_REMATCH[1]}${fraction:0:6} ))
            }
            up=0 local_up=0 members=()
            for i in "${!nodes[@]}"; do
                if is_up "${nodes[i]}"; then up=$((up + 1)); members+=("$i"); [[ ${nodes[i]} == "$self" ]] && local_up=1; fi
            done
            n=${#nodes[@]}
            quorate=0
            (( local_up && up * 2 > n )) && quorate=1
            (( local_up )) && count=$up || count=1
            (( quorate )) && word=Yes blocked= || word=No blocked=' Activity blocked'
            printf 'Cluster information\n-------------------\nName:             lab (simulated by meridian lab; no corosync runs here)\n\n'
            printf 'Quorum information\n------------------\nNodes:            %s\nQuorate:          %s\n\n' "$count" "$word"
            printf 'Votequorum information\n----------------------\nExpected votes:   %s\nTotal votes:      %s\n' "$n" "$count"
            printf 'Quorum:           %s%s\n\n' "$((n / 2 + 1))" "$blocked"
            printf 'Membership information\n----------------------\n    Nodeid      Votes Name\n'
            for i in "${!nodes[@]}"; do
                if (( local_up )); then [[ " ${members[*]} " == *" $i "* ]] || continue; else [[ ${nodes[i]} == "$self" ]] || continue; fi
                [[ ${nodes[i]} == "$self" ]] && mark=' (local)' || mark=
                printf '0x0000000%s          1 %s%s\n' "$((i + 1))" "${addresses[i]}" "$mark"
            done
            (( quorate )) && exit 0 || exit 2

            """#
        do {
            try AtomicFile.makeDirectories(directory(layout))
            try AtomicFile.write(Array(script.utf8), to: standInPath(layout))
        } catch { throw CoordinatorError(.io, "cannot write the lab's pvecm stand-in: \(error)") }
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
