import HostSystem

/// The lab's network: a bridge with no address on the host and, per node (and one for the
/// coordinator), a network namespace joined to it by a veth pair. No default route and no
/// resolver anywhere, so no packet and no name lookup leaves the bridge; `check` proves it.
enum ContainerNetwork {
    static func createBridge() throws(CoordinatorError) {
        let bridge = ContainerLabLayout.bridge
        guard !linkExists(bridge) else {
            throw CoordinatorError(.lab, "bridge \(bridge) already exists: another container lab runs (stop it with `meridian lab down --dir DIR`)")
        }
        try Host.run(["ip", "link", "add", bridge, "type", "bridge"], "create the lab bridge \(bridge)")
        // No IPv6 link-local address either: the host keeps no address on the lab's bridge.
        try disableIPv6(bridge)
        try Host.run(["ip", "link", "set", bridge, "up"], "bring up \(bridge)")
    }

    /// A namespace with `address` on its eth0, joined to the bridge, and `lo` up.
    static func addNamespace(_ namespace: String, hostVeth: String, address: String) throws(CoordinatorError) {
        try Host.run(["ip", "netns", "add", namespace], "create network namespace \(namespace)")
        try Host.run(["ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", namespace],
                     "create the veth pair \(hostVeth) ↔ \(namespace)/eth0")
        try disableIPv6(hostVeth)
        try Host.run(["ip", "link", "set", hostVeth, "master", ContainerLabLayout.bridge, "up"], "attach \(hostVeth) to the bridge")
        try Host.run(["ip", "-n", namespace, "addr", "add", "\(address)/\(ContainerLabLayout.prefixLength)", "dev", "eth0"],
                     "give \(namespace) the address \(address)")
        try Host.run(["ip", "-n", namespace, "link", "set", "eth0", "up"], "bring up eth0 in \(namespace)")
        try Host.run(["ip", "-n", namespace, "link", "set", "lo", "up"], "bring up lo in \(namespace)")
    }

    /// Fails unless the bridge has no address on the host and `namespace` has no default route.
    static func check(_ namespace: String) throws(CoordinatorError) {
        let addresses = try Host.run(["ip", "-o", "addr", "show", "dev", ContainerLabLayout.bridge], "list the bridge's addresses").stdout
        guard addresses.trimmingWhitespace.isEmpty else {
            throw CoordinatorError(.lab, "the lab bridge \(ContainerLabLayout.bridge) has an address on the host: \(addresses.trimmingWhitespace)")
        }
        for family in ["-4", "-6"] {
            let routes = try Host.run(["ip", family, "-n", namespace, "route", "show", "default"], "list routes in \(namespace)").stdout
            guard routes.trimmingWhitespace.isEmpty else {
                throw CoordinatorError(.lab, "network namespace \(namespace) has a default route (\(routes.trimmingWhitespace)); the lab must not reach outside")
            }
        }
    }

    /// Removes what `createBridge` and `addNamespace` made; quiet about what is already gone.
    static func remove(namespaces: [String], hostVeths: [String]) -> [String] {
        var removed: [String] = []
        for veth in hostVeths where linkExists(veth) {
            if (try? Host.run(["ip", "link", "del", veth], "remove \(veth)")) != nil { removed.append(veth) }
        }
        let existing = Set((try? Host.run(["ip", "netns", "list"], "list network namespaces").stdout)?
            .split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) } ?? [])
        for namespace in namespaces where existing.contains(namespace) {
            if (try? Host.run(["ip", "netns", "del", namespace], "remove \(namespace)")) != nil { removed.append(namespace) }
        }
        if linkExists(ContainerLabLayout.bridge), (try? Host.run(["ip", "link", "del", ContainerLabLayout.bridge], "remove the bridge")) != nil {
            removed.append(ContainerLabLayout.bridge)
        }
        return removed
    }

    static func linkExists(_ name: String) -> Bool { AtomicFile.exists("/sys/class/net/" + name) }

    private static func disableIPv6(_ link: String) throws(CoordinatorError) {
        let path = "/proc/sys/net/ipv6/conf/\(link)/disable_ipv6"
        guard AtomicFile.exists(path) else { return }  // no IPv6 in this kernel: nothing to disable
        try Host.run(["sysctl", "-q", "-w", "net.ipv6.conf.\(link).disable_ipv6=1"], "disable IPv6 on \(link)")
    }
}

/// Host commands the container lab runs, each failing with what it was for and its stderr.
enum Host {
    @discardableResult
    static func run(_ argv: [String], _ what: String, timeout: Duration = .seconds(60)) throws(CoordinatorError) -> CommandResult {
        let result: CommandResult
        do { result = try ChildProcess.run(argv, timeout: timeout) } catch { throw CoordinatorError(.lab, "cannot \(what): \(error)") }
        guard result.succeeded else {
            let why = result.timedOut ? "timed out after \(timeout)" : "exit \(result.status): \(result.stderr.trimmingWhitespace)"
            throw CoordinatorError(.lab, "cannot \(what) (`\(argv.joined(separator: " "))` \(why))")
        }
        return result
    }
}
