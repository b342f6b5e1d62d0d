import ClockSync
import HostSystem
import SecureTransport

extension APIServer {
    public var name: String { "API" }

    /// The API as `meridian serve` runs it, from its settings: TLS on `api_listen` (default: the
    /// master's address — the cluster's first time server — port 7481), the local socket
    /// `api_socket`, jobs in `state_dir/jobs.jsonl`, the apply lock beside the cluster file.
    /// `coordinator` is the coordinator's client context (the jobs talk to the agents with it);
    /// `refresh` surveys now (the watch loop's `refresh()`).
    public static func make(cluster: ClusterFile, clusterPath: String, coordinator: TLSContext, configuration: ServeConfiguration,
                            state: ServiceState, history: HistoryStore?, refresh: @escaping @Sendable () -> Snapshot?,
                            log: @escaping @Sendable (String) -> Void) throws(ServiceError) -> APIServer {
        let jobs = try JobManager(journalPath: configuration.jobJournalPath, log: log)
        let router = APIRouter(.init(
            state: state, history: history, jobs: jobs,
            actions: .live(cluster: cluster, clusterPath: clusterPath, context: coordinator),
            lockPath: ApplyLock.path(besideClusterFile: clusterPath), nodes: cluster.nodes.map(\.name.description), refresh: refresh))
        guard let master = cluster.timeServerNodes.first else {
            throw ServiceError(.invalidConfiguration, "the cluster file names no time server, so the API has no master address to listen on")
        }
        let host = master.address.description
        let listen = configuration.apiListen ?? "\(host.contains(":") ? "[\(host)]" : host):\(ServeConfiguration.defaultAPIPort)"
        let endpoint: Endpoint
        do { endpoint = try Endpoint(parsing: listen, defaultPort: UInt16(ServeConfiguration.defaultAPIPort)) } catch {
            throw ServiceError(.invalidConfiguration, "field \"api_listen\": \(error)")
        }
        let (certificate, key) = serverCertificate(certificateDirectory: cluster.certificateDirectory, master: master.name.description)
        let context = try serverTLS(caPath: cluster.certificateDirectory + "/ca.pem", certificatePath: certificate, keyPath: key,
                                    crlPath: PKI.revocationListPath(in: cluster.certificateDirectory))
        let socketDirectory = AtomicFile.parentDirectory(of: configuration.apiSocket)
        if !AtomicFile.exists(socketDirectory) {
            do { try AtomicFile.makeDirectories(socketDirectory, mode: 0o755) } catch {
                throw ServiceError(.io, "field \"api_socket\": cannot create \(socketDirectory): \(error)")
            }
        }
        do throws(ServiceError) {
            return try APIServer(router: router, tls: (endpoint, context), socketPath: configuration.apiSocket, log: log)
        } catch {
            // The default address is a guess (the master is usually the first time server): say
            // how to set it when the guess is wrong, e.g. meridian serve runs on another machine.
            guard configuration.apiListen == nil else { throw error }
            throw ServiceError(error.kind, "\(error.detail) (api_listen defaults to the first time server's address, \(listen); set \"api_listen\" in serve.json where meridian serve runs elsewhere)")
        }
    }

    /// The master's agent certificate: `DIR/MASTER.pem` in the certificate directory when it is
    /// there (the lab; `meridian ca issue MASTER`), else the agent's own `/etc/meridian/agent.pem`
    /// (a deployed master, whose agent made its key itself).
    static func serverCertificate(certificateDirectory: String, master: String) -> (certificate: String, key: String) {
        let certificate = "\(certificateDirectory)/\(master).pem", key = "\(certificateDirectory)/\(master).key"
        if AtomicFile.exists(certificate) && AtomicFile.exists(key) { return (certificate, key) }
        return ("/etc/meridian/agent.pem", "/etc/meridian/agent.key")
    }
}
