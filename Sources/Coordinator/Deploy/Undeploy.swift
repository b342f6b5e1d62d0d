import ClockSync
import SecureTransport

/// `meridian undeploy`: stops and removes the agent from nodes, revokes their certificates (the
/// CRL the coordinator keeps and signs), then brings the new CRL to the remaining nodes with a
/// deploy, so that every side refuses the retired certificates.
public enum Undeploy {
    public struct Report: Sendable, Encodable {
        public var node: String
        public var outcome: String  // removed, failed
        public var revokedSerial: String?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case node, outcome, error
            case revokedSerial = "revoked_serial"
        }
    }

    public static func run(_ cluster: ClusterFile, nodes names: [String], settings: DeploySettings, certificates: CertificateDirectory,
                           progress: @escaping @Sendable (String) -> Void) async throws(CoordinatorError) -> (removed: [Report], redeployed: [Deploy.Report]) {
        guard !names.isEmpty else { throw CoordinatorError(.usage, "name the nodes to undeploy with --node (undeploying a whole cluster is deliberate work)") }
        var nodes: [ClusterFile.Node] = []
        for name in names {
            guard let node = cluster.node(named: name) else { throw CoordinatorError(.usage, "--node \(name) is not in the cluster file") }
            nodes.append(node)
        }
        let removed = await FanOut.map(nodes, concurrency: 8) { node in remove(node, settings: settings, progress: progress) }
        for report in removed {
            guard let serial = report.revokedSerial else { continue }
            do { try PKI.revoke(serialHex: serial, in: certificates.path) } catch {
                throw CoordinatorError(.certificates, "\(report.node): cannot revoke serial \(serial): \(error)")
            }
            progress("\(report.node): certificate \(serial) revoked")
        }
        let remaining = cluster.nodes.map(\.name.description).filter { !names.contains($0) }
        guard !remaining.isEmpty else { return (removed, []) }
        progress("bringing the revocation list to \(remaining.joined(separator: ", "))")
        var options = Deploy.Options()
        options.nodes = remaining
        let redeployed = try await Deploy.run(cluster, settings: settings, certificates: certificates, options: options, progress: progress)
        return (removed, redeployed)
    }

    static func remove(_ node: ClusterFile.Node, settings: DeploySettings, progress: @Sendable (String) -> Void) -> Report {
        let name = node.name.description
        let root = settings.root(name)
        let shell = RemoteShell(node: name, address: node.address.description, user: settings.user(name), port: settings.port(name),
                                knownHosts: settings.knownHosts, identity: settings.identity, options: settings.sshOptions,
                                controlPath: RemoteShell.controlPath(for: name))
        defer { shell.close() }
        let directory = root + "/etc/meridian"
        do throws(DeployFailure) {
            let certificate = try shell.read(directory + "/agent.pem", step: "read the agent certificate")
            _ = try shell.check("stop the agent", RemoteShell.quote(settings.stop(name)))
            if settings.package != nil {
                _ = try shell.check("remove the package", RemoteShell.quote(settings.remove))
            }
            let files = ["agent.key", "agent.pem", "agent.json", "crl.pem", "ca.pem"].map { directory + "/" + $0 }
            _ = try shell.check("remove the agent's files", RemoteShell.quote(["rm", "-f"] + files + (settings.package == nil ? [root + "/usr/bin/meridian-agent"] : [])))
            progress("\(name): agent stopped and removed")
            let serial = certificate.flatMap { try? PKI.serial(ofCertificatePEM: $0) }
            return Report(node: name, outcome: "removed", revokedSerial: serial, error: nil)
        } catch {
            return Report(node: name, outcome: "failed", revokedSerial: nil, error: "\(error.step): \(error.detail)")
        }
    }
}
