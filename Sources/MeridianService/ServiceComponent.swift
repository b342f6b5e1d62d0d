import ClockSync
import SecureTransport

/// A part of `meridian serve` with a life of its own (the alerts, the API listener, the HTTP
/// listener): started after the first survey's snapshot exists, stopped in reverse order.
/// `start` returns once the component runs (its threads started, its sockets bound); `stop`
/// returns once it has stopped (bounded).
public protocol ServiceComponent: AnyObject, Sendable {
    var name: String { get }
    func start() throws
    func stop()
}

/// What a component may use: everything the service holds.
public struct ServiceContext: Sendable {
    public var cluster: ClusterFile
    public var clusterPath: String
    public var tls: TLSContext
    public var configuration: ServeConfiguration
    public var state: ServiceState
    public var store: HistoryStore
    public var watcher: Watcher
    /// One line per noteworthy thing, to stderr (journald).
    public var log: @Sendable (String) -> Void
}
