/// The API's methods (protocol/API.md). A request names one of these or gets -32601.
public enum APIMethod: String, Sendable, CaseIterable {
    case hello = "api.hello"
    case status = "cluster.status"
    case plan = "cluster.plan"
    case apply = "cluster.apply"
    case job = "cluster.job"
    case jobs = "cluster.jobs"
    case setClock = "clock.set"
    case history = "history.query"
    case events = "events.list"
    case subscribe = "events.subscribe"
    case unsubscribe = "events.unsubscribe"

    /// Methods that change the cluster: refused to read-only operators (-32011), and serialised
    /// with every other apply by the apply lock (-32010).
    public var changesCluster: Bool { self == .apply || self == .setClock }

    /// The notifications the service sends (no id, no answer).
    public enum Notification: String, Sendable, CaseIterable {
        case jobProgress = "job.progress"
        case jobFinished = "job.finished"
        case event
    }
}
