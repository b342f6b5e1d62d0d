import HostSystem

/// Every lab node starts behind real ufw with Debian's default policy (deny incoming), SSH and
/// the agent's port let in — what an admin who runs a firewall already allows — and NTP
/// (UDP 123) not: clients cannot sync until `meridian apply` opens it on the time servers.
/// corosync's knet port (UDP 5405) and Ceph's monitor ports (3300, 6789) are let in too, as on
/// any node of such a cluster.
enum ContainerFirewall {
    static let allowed = ["22/tcp", "7480/tcp", "\(ContainerCorosync.knetPort)/udp", "3300/tcp", "6789/tcp"]

    static func close(_ node: String, leader: Int32) throws(CoordinatorError) {
        for port in allowed {
            try Host.run(ContainerNode.exec(leader, ["ufw", "allow", port]), "let \(port) in through \(node)'s ufw")
        }
        try Host.run(ContainerNode.exec(leader, ["ufw", "--force", "enable"]), "enable ufw in \(node)")
        let status = try Host.run(ContainerNode.exec(leader, ["ufw", "status"]), "read \(node)'s ufw status").stdout
        guard status.contains("Status: active"), !status.contains("123") else {
            throw CoordinatorError(.lab, "\(node): ufw is not active with NTP closed after enabling it: \(status.trimmingWhitespace)")
        }
    }
}
