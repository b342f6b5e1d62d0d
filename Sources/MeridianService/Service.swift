import ClockSync
import Coordinator
import HostSystem
import SecureTransport

/// `meridian serve`: the state directory, the history, the first survey, then the components
/// and the watch loop until SIGTERM/SIGINT; systemd hears READY=1 once the first survey's
/// status exists, and STATUS= after each survey.
public final class Service: Sendable {
    public let cluster: ClusterFile
    public let clusterPath: String
    let tls: TLSContext
    public let configuration: ServeConfiguration
    let log: @Sendable (String) -> Void
    /// Extra components (tests); the service's own list is `Service.components(for:)`.
    let extraComponents: @Sendable (ServiceContext) throws -> [any ServiceComponent]

    public init(cluster: ClusterFile, clusterPath: String, tls: TLSContext, configuration: ServeConfiguration,
                log: @escaping @Sendable (String) -> Void = Service.journalLine,
                extraComponents: @escaping @Sendable (ServiceContext) throws -> [any ServiceComponent] = { _ in [] }) {
        self.cluster = cluster; self.clusterPath = clusterPath; self.tls = tls; self.configuration = configuration
        self.log = log; self.extraComponents = extraComponents
    }

    /// One line on stderr, which journald keeps; agents' text in it is escaped.
    public static let journalLine: @Sendable (String) -> Void = { line in
        Console.error("meridian serve: \(TerminalText.escaped(line))\n")
    }

    /// Runs until SIGTERM or SIGINT (blocks the calling thread: call it from a thread you own).
    public func run() throws(ServiceError) {
        // Each survey fans out over a thread per node; glibc's per-thread arenas would keep
        // what every one of them freed (see ProcessMemory).
        ProcessMemory.boundMalloc()
        let signals = try TerminationSignal.install()
        let started = WallClock.now().asDouble
        let directory = configuration.stateDirectory
        do {
            try AtomicFile.makeDirectories(directory, mode: 0o700)
            try AtomicFile.setPermissions(directory, 0o700)
        } catch {
            throw ServiceError(.io, "state_dir \(directory): \(error)")
        }
        let store = try HistoryStore.open(path: configuration.historyPath, now: started, log: log)
        let state = ServiceState(clusterName: cluster.name, startedAt: started)
        let watcher = Watcher(cluster: cluster, context: tls, configuration: configuration, state: state, store: store, log: log)
        log("cluster \(cluster.name) from \(clusterPath): \(cluster.nodes.count) nodes, a survey every \(Durations.duration(configuration.intervalSeconds)), history in \(store.path)")
        ServiceManager.notify("STATUS=first survey of \(cluster.nodes.count) nodes")
        let first = watcher.surveyNow()
        log("first survey: \(Self.statusLine(first))")

        let context = ServiceContext(cluster: cluster, clusterPath: clusterPath, tls: tls, configuration: configuration,
                                     state: state, store: store, watcher: watcher, log: log)
        var running: [any ServiceComponent] = []
        func stopAll() {
            for component in running.reversed() {
                component.stop()
                log("\(component.name) stopped")
            }
        }
        do {
            for component in try Self.components(for: context) + extraComponents(context) {
                try component.start()
                running.append(component)
                log("\(component.name) started")
            }
        } catch {
            stopAll()
            throw ServiceError(.io, "cannot start: \(error)")
        }
        let token = state.observeSnapshots { snapshot in ServiceManager.notify("STATUS=\(Self.statusLine(snapshot))") }
        do { try watcher.start() } catch {
            stopAll()
            throw error
        }
        ServiceManager.notify("READY=1\nSTATUS=\(Self.statusLine(first))")
        let signal = signals.wait()
        log("signal \(signal): stopping")
        ServiceManager.notify("STOPPING=1")
        state.stopObserving(token)
        watcher.stop()
        stopAll()
        do { try store.close() } catch { log("\(error)") }
        log("stopped after \(watcher.completedSurveys) surveys")
    }

    /// Asks a running `run()` to stop as SIGTERM would (tests).
    public static func requestStop() { TerminationSignal.raise() }

    static func statusLine(_ snapshot: Snapshot) -> String {
        let unreachable = snapshot.samples.filter { !$0.reachable }.map(\.node)
        let notOK = snapshot.samples.filter { $0.reachable && !$0.state.isOK }.map { "\($0.node) \($0.state)" }
        /// One line a person reads in `systemctl status`: the first few names, then a count.
        func list(_ names: [String]) -> String {
            names.count <= 6 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + " and \(names.count - 5) more"
        }
        var line = "cluster \(snapshot.status.cluster.name) \(snapshot.status.clusterState), \(snapshot.samples.count) nodes in \(Durations.duration(snapshot.durationSeconds))"
        if !notOK.isEmpty { line += "; \(list(notOK))" }
        if !unreachable.isEmpty { line += "; unreachable: \(list(unreachable))" }
        return line
    }
}
