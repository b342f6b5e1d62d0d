import HostSystem
import ClockSync
import JSONCore
import SecureTransport
import WireProtocol

/// `meridian deploy`: for every node, over SSH and in parallel (bounded): install the agent, have
/// the node make its own key and certificate request, sign it here with the cluster CA, send the
/// certificate and config back, start the agent, then ping it over the channel. A second run
/// changes nothing and says so; a failing node is named with its step and remote stderr.
public enum Deploy {
    public struct Options: Sendable {
        public var dryRun = false
        public var renew = false
        public var concurrency = 8
        public var nodes: [String] = []
        public var agentPort = Endpoint.defaultPort
        public init() {}
    }

    public struct Report: Sendable, Encodable {
        public var node: String
        public var outcome: String  // changed, unchanged, failed, planned
        public var actions: [String]
        public var failedStep: String?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case node, outcome, actions, error
            case failedStep = "failed_step"
        }
    }

    public static func run(_ cluster: ClusterFile, settings: DeploySettings, certificates: CertificateDirectory,
                           options: Options, progress: @escaping @Sendable (String) -> Void) async throws(CoordinatorError) -> [Report] {
        let wanted = options.nodes.isEmpty ? cluster.nodes : try options.nodes.map { name throws(CoordinatorError) in
            guard let node = cluster.node(named: name) else { throw CoordinatorError(.usage, "--node \(name) is not in the cluster file") }
            return node
        }
        let context: TLSContext
        do { context = try certificates.coordinatorContext() } catch { throw CoordinatorError(.certificates, "\(error)") }
        let version = MeridianVersion.current
        let source = settings.package ?? settings.agentBinary
        let read: [UInt8]??
        do { read = try AtomicFile.read(source, limit: 256 << 20) } catch { throw CoordinatorError(.io, "cannot read \(source): \(error)") }
        guard let bytes = read, let payload = bytes else { throw CoordinatorError(.notFound, "\(source) does not exist") }
        return await FanOut.map(wanted, concurrency: options.concurrency) { node in
            deploy(node, settings: settings, certificates: certificates, context: context, version: version,
                   payload: payload, options: options, progress: progress)
        }
    }

    static func deploy(_ node: ClusterFile.Node, settings: DeploySettings, certificates: CertificateDirectory, context: TLSContext,
                       version: String, payload: [UInt8], options: Options, progress: @Sendable (String) -> Void) -> Report {
        let name = node.name.description
        let address = node.address.description
        let root = settings.root(name)
        let shell = RemoteShell(node: name, address: address, user: settings.user(name), port: settings.port(name),
                                knownHosts: settings.knownHosts, identity: settings.identity, options: settings.sshOptions,
                                controlPath: RemoteShell.controlPath(for: name))
        defer { shell.close() }
        let binary = root + "/usr/bin/meridian-agent"
        let configDirectory = root + "/etc/meridian"
        var actions: [String] = []
        func note(_ action: String) {
            actions.append(action)
            progress("\(name): \(options.dryRun ? "would " : "")\(action)")
        }
        do throws(DeployFailure) {
            // 1. The agent itself.
            let installed = try shell.check("check the installed agent",
                                            "if [ -x \(RemoteShell.quote([binary])) ]; then \(RemoteShell.quote([binary, "--version"])); fi")
                .trimmingWhitespace
            if installed != version {
                note(installed.isEmpty ? "install the agent \(version)" : "upgrade the agent \(installed) → \(version)")
                if !options.dryRun {
                    if settings.package != nil {
                        let remote = root + "/tmp/meridian_\(version)_amd64.deb"
                        try shell.write(payload, to: remote, mode: "0644", step: "copy the package")
                        _ = try shell.check("install the package", RemoteShell.quote(settings.install(name) + [remote]), timeout: .seconds(300))
                    } else {
                        try shell.write(payload, to: binary, mode: "0755", step: "copy the agent binary")
                    }
                }
            }
            if settings.package == nil, let unit = (try? AtomicFile.read(settings.unitFile))?.map({ String(decoding: $0, as: UTF8.self) }) {
                let remoteUnit = root + "/lib/systemd/system/meridian-agent.service"
                if try shell.read(remoteUnit, step: "read the unit file") != unit {
                    note("install the systemd unit")
                    if !options.dryRun { try shell.write(Array(unit.utf8), to: remoteUnit, mode: "0644", step: "write the unit file") }
                }
            }
            if options.dryRun && installed != version {
                note("make a key and certificate request on the node, sign it, write ca.pem, agent.pem and agent.json, start the agent")
                return Report(node: name, outcome: "planned", actions: actions)
            }
            // 2. Key and certificate: the private key is made on the node and never leaves it.
            let request = try shell.check("make the node's key and certificate request",
                                          RemoteShell.quote([binary, "csr", "--node", name, "--address", address,
                                                             "--key", configDirectory + "/agent.key"] + (options.renew ? ["--renew"] : [])))
            let current = try shell.read(configDirectory + "/agent.pem", step: "read the current certificate")
            if options.renew || !(current.map { PKI.isCurrentAgentCertificate($0, node: name, address: address, requestPEM: request,
                                                                            caPath: certificates.caCertificate) } ?? false) {
                note(current == nil ? "issue the agent certificate" : "issue a new agent certificate")
                if !options.dryRun {
                    let certificate: String
                    do {
                        certificate = try PKI.signAgentRequest(request, node: name, address: address, in: certificates.path)
                    } catch {
                        throw DeployFailure(step: "sign the certificate request", detail: "\(error)")
                    }
                    try shell.write(Array(certificate.utf8), to: configDirectory + "/agent.pem", mode: "0644", step: "write the certificate")
                }
            }
            // 3. CA certificate and agent config.
            let caText: String
            do {
                guard let bytes = try AtomicFile.read(certificates.caCertificate) else { throw DeployFailure(step: "read ca.pem", detail: "missing") }
                caText = String(decoding: bytes, as: UTF8.self)
            } catch let failure as DeployFailure { throw failure } catch { throw DeployFailure(step: "read ca.pem", detail: "\(error)") }
            if try shell.read(configDirectory + "/ca.pem", step: "read the CA certificate") != caText {
                note("write the cluster CA certificate")
                if !options.dryRun { try shell.write(Array(caText.utf8), to: configDirectory + "/ca.pem", mode: "0644", step: "write ca.pem") }
            }
            let crlPath = PKI.revocationListPath(in: certificates.path)
            let crl = (try? AtomicFile.read(crlPath))?.map { String(decoding: $0, as: UTF8.self) }
            if let crl, try shell.read(configDirectory + "/crl.pem", step: "read the revocation list") != crl {
                note("write the revocation list")
                if !options.dryRun { try shell.write(Array(crl.utf8), to: configDirectory + "/crl.pem", mode: "0644", step: "write crl.pem") }
            }
            let config = agentConfig(name, address: address, port: options.agentPort, root: root, directory: configDirectory, crl: crl != nil)
            if try shell.read(configDirectory + "/agent.json", step: "read the agent config") != config {
                note("write the agent config")
                if !options.dryRun { try shell.write(Array(config.utf8), to: configDirectory + "/agent.json", mode: "0640", step: "write agent.json") }
            }
            // 4. Start (or restart) when anything changed, or when the agent does not answer.
            let answering = ping(node, context: context, version: version, port: options.agentPort, wait: .zero) == nil
            if !actions.isEmpty || !answering {
                note(answering ? "restart the agent" : "start the agent")
                if !options.dryRun {
                    let command = answering ? settings.restart(name) : settings.start(name)
                    _ = try shell.check(answering ? "restart the agent" : "start the agent", RemoteShell.quote(command), timeout: .seconds(60))
                }
            }
            if options.dryRun { return Report(node: name, outcome: actions.isEmpty ? "unchanged" : "planned", actions: actions) }
            // 5. Proof: the agent answers over the secure channel with this node's identity.
            if let problem = ping(node, context: context, version: version, port: options.agentPort, wait: .seconds(15)) {
                throw DeployFailure(step: "ping the agent", detail: problem)
            }
            return Report(node: name, outcome: actions.isEmpty ? "unchanged" : "changed", actions: actions)
        } catch {
            progress("\(name): FAILED at \(error.step): \(error.detail)")
            return Report(node: name, outcome: "failed", actions: actions, failedStep: error.step, error: error.detail)
        }
    }

    /// nil when the agent answers hello as this node with this version, else why not.
    static func ping(_ node: ClusterFile.Node, context: TLSContext, version: String, port: UInt16, wait: Duration) -> String? {
        let deadline = ContinuousClock.now + wait
        var problem = "no answer"
        repeat {
            do {
                let client = try AgentClient.connect(to: Endpoint(host: node.address.description, port: port),
                                                     expectedNode: node.name.description, context: context, timeout: .seconds(5))
                defer { client.close() }
                if client.hello.agentVersion == version { return nil }
                problem = "agent answers with version \(client.hello.agentVersion), expected \(version)"
            } catch {
                problem = "\(error)"
            }
            if ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(200)) }
        } while ContinuousClock.now < deadline
        return problem
    }

    static func agentConfig(_ node: String, address: String, port: UInt16, root: String, directory: String, crl: Bool) -> String {
        var object: [String: JSONValue] = [
            "node": .string(node), "listen": .string(Endpoint(host: address, port: port).description),
            "ca": .string(directory + "/ca.pem"), "cert": .string(directory + "/agent.pem"), "key": .string(directory + "/agent.key"),
        ]
        if !root.isEmpty { object["root"] = .string(root) }
        if crl { object["crl"] = .string(directory + "/crl.pem") }
        return JSONValue.object(object).prettyText + "\n"
    }
}
