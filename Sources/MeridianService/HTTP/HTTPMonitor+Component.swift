import HostSystem

/// `meridian serve` runs the HTTP listener as one of its components. The service starts and stops
/// components on its own thread; the listener's async start and stop run as tasks, and that
/// thread (never the cooperative pool) waits for them.
public final class HTTPComponent: ServiceComponent {
    public let name = "http"
    public let monitor: HTTPMonitor

    public init(_ context: ServiceContext) throws(ServiceError) {
        var https: HTTPSSettings?
        if context.configuration.httpUsesTLS {
            guard let master = context.cluster.timeServerNodes.first else {
                throw ServiceError(.invalidConfiguration, "http_listen \(context.configuration.httpListen) speaks TLS with the master's certificate, but the cluster file names no time server")
            }
            https = HTTPSSettings.make(configuration: context.configuration, certificateDirectory: context.cluster.certificateDirectory,
                                       master: master.name.description)
        }
        monitor = try HTTPMonitor(configuration: context.configuration, state: context.state, store: context.store, https: https,
                                  log: context.log)
    }

    public func start() throws {
        let outcome = ThreadCondition<Result<String, ServiceError>?>(nil)
        let monitor = monitor
        Task {
            do throws(ServiceError) {
                let address = try await monitor.start()
                outcome.update { $0 = .success(address) }
            } catch {
                outcome.update { $0 = .failure(error) }
            }
        }
        let result = outcome.wait(until: { $0 != nil }, timeout: .seconds(30)) { value, _ in value }
        switch result {
        case .success?: return
        case .failure(let error)?: throw error
        case nil: throw ServiceError(.io, "http_listen \(monitor.listen): the listener did not start within 30 s")
        }
    }

    public func stop() {
        let done = ThreadCondition(false)
        let monitor = monitor
        Task {
            await monitor.stop()
            done.update { $0 = true }
        }
        done.wait(until: { $0 }, timeout: .seconds(10)) { _, _ in () }
    }
}

/// The node_exporter textfile (`--textfile DIR` / `textfile_dir`), when asked for.
extension TextfileWriter: ServiceComponent {
    public var name: String { "textfile" }

    public convenience init(_ context: ServiceContext, directory: String) throws(ServiceError) {
        try self.init(directory: directory, state: context.state, log: context.log)
    }
}
