import Coordinator
import HostSystem
import JSONCore
import Synchronization
import WireProtocol

/// Answers API requests: one typed handler per `APIMethod`, params read strictly (`APIParams`),
/// errors as the agent's (-32600…-32602 naming the field) plus the API's own (`APIError`).
/// Transport-free: the server hands it each decoded request with its `APIConnection`, on that
/// connection's own thread (methods such as `clock.set` block it until they are done).
public final class APIRouter: Sendable {
    public static let protocolVersions = [1]

    public struct Dependencies: Sendable {
        public var state: ServiceState
        public var history: HistoryStore?
        public var jobs: JobManager
        public var actions: APIActions
        /// `apply.lock` beside the cluster file (`ApplyLock.path(besideClusterFile:)`).
        public var lockPath: String
        /// The cluster's node names (history.query refuses others).
        public var nodes: [String]
        /// Surveys now and publishes the result (the watch loop's survey); nil when it could not.
        public var refresh: @Sendable () -> Snapshot?

        public init(state: ServiceState, history: HistoryStore?, jobs: JobManager, actions: APIActions, lockPath: String,
                    nodes: [String], refresh: @escaping @Sendable () -> Snapshot?) {
            self.state = state; self.history = history; self.jobs = jobs; self.actions = actions
            self.lockPath = lockPath; self.nodes = nodes; self.refresh = refresh
        }
    }

    let dependencies: Dependencies
    /// The last snapshot's status as JSON (by its survey time): building it (verdicts, reasons)
    /// for every `cluster.status` cost more than the rest of the round trip.
    private let statusCache = Mutex<(time: Double, json: JSONValue)?>(nil)

    public init(_ dependencies: Dependencies) { self.dependencies = dependencies }

    public func respond(to request: RPCRequest, on connection: APIConnection) -> Result<JSONValue, RPCError> {
        guard let method = APIMethod(rawValue: request.method) else {
            return .failure(RPCError(code: RPCError.methodNotFound, message: "method not found: \(request.method)",
                                     data: .object(["known": .array(APIMethod.allCases.map { .string($0.rawValue) })])))
        }
        if method != .hello && !connection.greeted {
            return .failure(RPCError(code: RPCError.notHelloFirst,
                                     message: "the first request on a connection must be api.hello, got \"\(request.method)\""))
        }
        do {
            switch method {
            case .hello: return .success(try hello(request.params, connection))
            case .status: return .success(try status(request.params))
            case .plan: return .success(try plan(request.params))
            case .apply: return .success(try apply(request.params, connection))
            case .job: return .success(try job(request.params))
            case .jobs: return .success(try jobs(request.params))
            case .setClock: return .success(try setClock(request.params, connection))
            case .history: return .success(try history(request.params))
            case .events: return .success(try events(request.params))
            case .subscribe: return .success(try subscribe(request.params, connection))
            case .unsubscribe:
                _ = try APIParams(request.params, method: method.rawValue, known: [])
                if let token = connection.unsubscribe() { dependencies.state.stopObserving(token) }
                return .success(.object(["subscribed": .bool(false)]))
            }
        } catch {
            return .failure(error)
        }
    }

    /// The transport calls this once a connection has closed: its event subscription ends.
    public func connectionClosed(_ connection: APIConnection) {
        if let token = connection.close() { dependencies.state.stopObserving(token) }
    }

    private func hello(_ raw: JSONValue?, _ connection: APIConnection) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.hello.rawValue, known: ["client_version", "protocol_versions"])
        let client = try params.requiredString("client_version", maxLength: 64)
        guard let offered = try params.integers("protocol_versions", in: 0...1_000_000) else {
            throw RPCError.invalidParams("missing field \"protocol_versions\"")
        }
        guard let version = offered.filter(Self.protocolVersions.contains).max() else {
            throw RPCError(code: RPCError.unsupportedVersion,
                           message: "protocol version mismatch: client \(client) speaks API protocol \(offered.map(String.init).joined(separator: ", ")), service \(MeridianVersion.current) speaks API protocol \(Self.protocolVersions.map(String.init).joined(separator: ", ")); use a client of this Meridian version",
                           data: .object(["supported": .array(Self.protocolVersions.map { .integer(Int64($0)) })]))
        }
        connection.greeted = true
        let peer = connection.peer
        return .object([
            "server_version": .string(MeridianVersion.current), "protocol_version": .integer(Int64(version)),
            "cluster": .string(dependencies.state.clusterName), "peer": .string(peer.description), "role": .string(peer.role),
            "read_only": .bool(peer.isReadOnly), "methods": .array(APIMethod.allCases.map { .string($0.rawValue) }),
        ])
    }

    private func status(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.status.rawValue, known: ["refresh"])
        var snapshot = dependencies.state.latest
        if try params.bool("refresh") == true {
            guard let fresh = dependencies.refresh() else { throw APIError.unavailable("unavailable: the survey asked for by \"refresh\" could not run") }
            snapshot = fresh
        }
        guard let snapshot else {
            throw APIError.unavailable("unavailable: no survey has finished yet; retry in a few seconds or send {\"refresh\": true}")
        }
        let cached = statusCache.withLock { $0?.time == snapshot.time ? $0?.json : nil }
        let json = cached ?? snapshot.status.json
        if cached == nil { statusCache.withLock { $0 = (snapshot.time, json) } }
        guard case .object(var members) = json else { throw RPCError(code: RPCError.internalError, message: "status is not an object") }
        members["age_seconds"] = .number(max(0, WallClock.now().asDouble - snapshot.time))
        members["surveyed_at"] = .number(snapshot.time)
        members["survey_duration_seconds"] = .number(snapshot.durationSeconds)
        members["alert_targets"] = .array(dependencies.state.targets.map(\.json))
        return .object(members)
    }

    private func plan(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        _ = try APIParams(raw, method: APIMethod.plan.rawValue, known: [])
        let actions = dependencies.actions
        return BlockingWait.run { await actions.plan() }
    }

    private func job(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.job.rawValue, known: ["job"])
        let id = try params.requiredString("job", maxLength: 64)
        guard let job = dependencies.jobs.job(id) else {
            let recent = dependencies.jobs.jobs.suffix(5).map(\.id)
            throw RPCError.invalidParams("field \"job\": no job \"\(id)\"\(recent.isEmpty ? " (there is none yet)" : " (latest: \(recent.joined(separator: ", ")))")")
        }
        return job.json
    }

    private func jobs(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.jobs.rawValue, known: ["limit"])
        let limit = try params.integer("limit", in: 1...JobManager.keep) ?? 20
        return .object(["jobs": .array(dependencies.jobs.jobs.suffix(limit).reversed().map(\.summaryJSON))])
    }

    /// Responses above 1 MiB are possible here (a day of raw samples is about 1.3 MB): API
    /// clients accept frames up to 16 MiB (protocol/API.md).
    static let maxPoints = 20_000

    private func history(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.history.rawValue, known: ["node", "since_seconds", "since", "until", "limit"])
        let node = try params.requiredString("node", maxLength: 253)
        let names = dependencies.nodes
        guard names.isEmpty || names.contains(node) else {
            throw RPCError.invalidParams("field \"node\": \"\(node)\" is not a node of cluster \(dependencies.state.clusterName) (nodes: \(names.joined(separator: ", ")))")
        }
        let now = WallClock.now().asDouble
        let since: Double
        switch (try params.number("since_seconds", in: 1...(3650 * 86_400)), try params.number("since", in: 0...1e11)) {
        case (let ago?, nil): since = now - ago
        case (nil, let time?): since = time
        case (nil, nil): throw RPCError.invalidParams("missing field \"since_seconds\" (or \"since\", seconds since the epoch)")
        case (_?, _?): throw RPCError.invalidParams("fields \"since_seconds\" and \"since\" exclude each other: give one")
        }
        let until = try params.number("until", in: 0...1e11) ?? .infinity
        guard until > since else { throw RPCError.invalidParams("field \"until\" must be later than the start (\(APIParams.text(since)))") }
        let limit = try params.integer("limit", in: 1...Self.maxPoints) ?? Self.maxPoints
        guard let store = dependencies.history else { throw APIError.unavailable("unavailable: this service keeps no history database") }
        let points: [HistoryPoint]
        do { points = try store.points(node: node, since: since, until: until) } catch {
            throw APIError.unavailable("unavailable: \(error)")
        }
        return .object([
            "node": .string(node), "points": .array(points.suffix(limit).map(\.json)), "truncated": .bool(points.count > limit),
        ])
    }

    private func events(_ raw: JSONValue?) throws(RPCError) -> JSONValue {
        let params = try APIParams(raw, method: APIMethod.events.rawValue, known: ["since_seconds", "limit"])
        let ago = try params.number("since_seconds", in: 1...(3650 * 86_400))
        let limit = try params.integer("limit", in: 1...10_000) ?? 100
        guard let store = dependencies.history else { throw APIError.unavailable("unavailable: this service keeps no history database") }
        do {
            let events = try store.events(since: ago.map { WallClock.now().asDouble - $0 } ?? 0, limit: limit)
            return .object(["events": .array(events.map(\.json))])
        } catch {
            throw APIError.unavailable("unavailable: \(error)")
        }
    }

    private func subscribe(_ raw: JSONValue?, _ connection: APIConnection) throws(RPCError) -> JSONValue {
        _ = try APIParams(raw, method: APIMethod.subscribe.rawValue, known: [])
        let state = dependencies.state
        connection.hooks.holdOpen()
        _ = connection.subscribe {
            state.observeEvents { [weak connection] event in
                _ = connection?.notify(APIMethod.Notification.event.rawValue, event.json)
            }
        }
        // A connection that closed while subscribing must not leave its observer behind.
        if connection.isClosed, let token = connection.unsubscribe() { state.stopObserving(token) }
        return .object(["subscribed": .bool(true)])
    }
}
