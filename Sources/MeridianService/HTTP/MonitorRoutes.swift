import ClockSync
import Coordinator
import HostSystem
import JSONCore
import WireProtocol

/// The HTTP listener's routes, as a function from (method, path, query) to a reply. It reads the
/// history database, so it blocks: `HTTPMonitor` calls it on a thread pool of its own, never on
/// Swift concurrency's cooperative pool.
public struct MonitorRoutes: Sendable {
    public let state: ServiceState
    public let store: HistoryStore
    public let durations: SurveyDurations
    /// Seconds since the epoch; the tests pin it.
    public let clock: @Sendable () -> Double
    public var refreshSeconds = 30
    /// Events the page shows.
    public var pageEvents = 20

    public static let paths = ["/", "/metrics", "/api/v1/status", "/api/v1/history", "/api/v1/events"]

    public init(state: ServiceState, store: HistoryStore, durations: SurveyDurations,
                clock: @escaping @Sendable () -> Double = MonitorRoutes.wallClock) {
        self.state = state; self.store = store; self.durations = durations; self.clock = clock
    }

    public static let wallClock: @Sendable () -> Double = {
        let now = WallClock.now()
        return Double(now.seconds) + Double(now.nanoseconds) / 1e9
    }

    public func respond(method: String, path: String, query: String?) -> HTTPReply {
        guard Self.paths.contains(path) else {
            return .error(404, "no such page \"\(String(path.prefix(200)))\"; there are \(Self.paths.joined(separator: ", "))")
        }
        guard method == "GET" || method == "HEAD" else {
            var reply = HTTPReply.error(405, "\(path) answers GET only, not \(String(method.prefix(20)))")
            reply.headers = [("Allow", "GET, HEAD")]
            return reply
        }
        do {
            switch path {
            case "/metrics": return try metrics(query)
            case "/api/v1/status": return try status(query)
            case "/api/v1/history": return try history(query)
            case "/api/v1/events": return try events(query)
            default: return try page(query)
            }
        } catch let error as QueryError {
            return .error(400, "\(path): \(error.message)")
        } catch {
            return .error(500, "\(path): \(error)")
        }
    }

    func metrics(_ query: String?) throws -> HTTPReply {
        _ = try QueryString.parse(query, allowed: [])
        return .text(MetricsText.render(state.latest, durations: durations.current, version: MeridianVersion.current),
                     contentType: MetricsText.contentType)
    }

    /// The API's `status` result: the status JSON plus how old the survey is.
    func status(_ query: String?) throws -> HTTPReply {
        _ = try QueryString.parse(query, allowed: [])
        guard let snapshot = state.latest else { return .error(503, "no survey has finished yet; try again in a few seconds") }
        guard case .object(var object) = snapshot.status.json else { return .error(500, "the status is not a JSON object") }
        object["age_seconds"] = .number(max(0, clock() - snapshot.time))
        object["survey_time"] = .number(snapshot.time)
        return .json(.object(object))
    }

    func history(_ query: String?) throws -> HTTPReply {
        let values = try QueryString.parse(query, allowed: ["node", "since", "until"])
        guard let node = values["node"], !node.isEmpty else { throw QueryError("the query parameter \"node\" is required (a node of the cluster file)") }
        if let known = state.latest?.status.nodes.map(\.name), !known.contains(node) {
            throw QueryError("\"\(String(node.prefix(100)))\" is not a node of the cluster (nodes: \(known.joined(separator: ", ")))")
        }
        let now = clock()
        let since = try Self.time(values["since"], name: "since") ?? now - 3600
        let until = try Self.time(values["until"], name: "until") ?? .infinity
        let points = try store.points(node: node, since: since, until: until)
        return .json(.object(["points": .array(points.map(\.json))]))
    }

    func events(_ query: String?) throws -> HTTPReply {
        let values = try QueryString.parse(query, allowed: ["since", "limit"])
        let since = try Self.time(values["since"], name: "since") ?? 0
        var limit = 100
        if let text = values["limit"] {
            guard let value = Int(text), (1...10_000).contains(value) else { throw QueryError("\"limit\" must be a whole number in 1...10000, found \"\(String(text.prefix(40)))\"") }
            limit = value
        }
        return .json(.object(["events": .array(try store.events(since: since, limit: limit).map(\.json))]))
    }

    func page(_ query: String?) throws -> HTTPReply {
        let values = try QueryString.parse(query, allowed: ["window"])
        var window = OffsetChart.Window.hour
        if let text = values["window"] {
            guard let chosen = OffsetChart.Window(rawValue: text) else {
                throw QueryError("\"window\" must be hour, day or week, found \"\(String(text.prefix(40)))\"")
            }
            window = chosen
        }
        let now = clock()
        let snapshot = state.latest
        var series: [OffsetChart.Series] = []
        for sample in snapshot?.samples ?? [] {
            let points = try store.offsetSeries(node: sample.node, since: now - window.seconds, until: now + 1, buckets: OffsetChart.columns)
            series.append(OffsetChart.Series(
                node: sample.node, state: sample.state, isTimeServer: snapshot?.status.cluster.isTimeServer(sample.node) ?? false,
                points: points.map { OffsetChart.Point(time: $0.time, offset: $0.offset) }))
        }
        let tolerance = snapshot?.status.cluster.maxOffsetSeconds ?? 0.05
        let chart = OffsetChart.render(series, window: window, now: now, toleranceSeconds: tolerance)
        let model = StatusPage.Model(snapshot, clusterName: state.clusterName, events: try store.events(since: now - 7 * 86_400, limit: pageEvents),
                                     chart: chart, window: window, now: now, refreshSeconds: refreshSeconds)
        return .text(StatusPage.render(model), contentType: "text/html; charset=utf-8")
    }

    /// Seconds since the epoch, as a decimal number.
    static func time(_ text: String?, name: String) throws(QueryError) -> Double? {
        guard let text else { return nil }
        guard let value = Double(text), value.isFinite, abs(value) < 1e11 else {
            throw QueryError("\"\(name)\" must be seconds since the epoch (a number), found \"\(String(text.prefix(40)))\"")
        }
        return value
    }
}
