/// The node list of a Proxmox `corosync.conf` (`/etc/pve/corosync.conf`), for `meridian init
/// --from-corosync`: each `node { name: …  ring0_addr: … }` in `nodelist { }`.
public enum CorosyncConf {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var ring0Address: String
    }

    /// `totem { cluster_name: NAME }`, if present.
    public static func clusterName(in text: String) -> String? {
        for line in TextInput.lines(text) {
            let trimmed = line.trimmingWhitespace
            if trimmed.hasPrefix("cluster_name:") {
                let name = trimmed.dropFirst("cluster_name:".count).trimmingWhitespace
                return name.isEmpty ? nil : name
            }
        }
        return nil
    }

    public static func nodes(in text: String) throws(ParseError) -> [Node] {
        let input = "corosync.conf"
        try TextInput.checkPrintable(text, input)
        var stack: [String] = []
        var nodes: [Node] = []
        var current: [String: String] = [:]
        var currentLine = 0
        for (index, line) in TextInput.lines(text).enumerated() {
            var trimmed = line.trimmingWhitespace
            if let hash = trimmed.firstIndex(of: "#") { trimmed = String(trimmed[..<hash]).trimmingWhitespace }
            if trimmed.isEmpty { continue }
            if trimmed.hasSuffix("{") {
                let name = trimmed.dropLast().trimmingWhitespace
                stack.append(name)
                if stack == ["nodelist", "node"] { current = [:]; currentLine = index + 1 }
                continue
            }
            if trimmed == "}" {
                if stack == ["nodelist", "node"] {
                    guard let name = current["name"], let address = current["ring0_addr"] else {
                        throw ParseError(input, line: currentLine, expected: "a node block with name and ring0_addr")
                    }
                    nodes.append(Node(name: name, ring0Address: address))
                }
                guard !stack.isEmpty else { throw ParseError(input, line: index + 1, expected: "no } without an open block") }
                stack.removeLast()
                continue
            }
            if stack == ["nodelist", "node"], let colon = trimmed.firstIndex(of: ":") {
                current[trimmed[..<colon].trimmingWhitespace] = trimmed[trimmed.index(after: colon)...].trimmingWhitespace
            }
        }
        guard stack.isEmpty else { throw ParseError(input, expected: "every { closed by }") }
        guard !nodes.isEmpty else { throw ParseError(input, expected: "a nodelist with at least one node") }
        return nodes
    }
}
