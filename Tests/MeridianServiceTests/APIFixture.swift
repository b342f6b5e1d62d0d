import ClockSync
@testable import Coordinator
import HostSystem
import JSONCore
@testable import MeridianService
import Synchronization
import TestSupport
import WireProtocol

/// A router over plain values: a real ServiceState, JobManager (journal in a temporary
/// directory), HistoryStore and ApplyLock; only the cluster-changing actions are closures, so
/// the job and lock handling is tested without agents (the lab tests run the real ones).
final class APIFixture: Sendable {
    let dir: TemporaryDirectory
    let state: ServiceState
    let jobs: JobManager
    let history: HistoryStore
    let router: APIRouter
    let lockPath: String
    let control = Control()

    /// The fake apply runs until `release` is set (so a test can hold a job running).
    final class Control: Sendable {
        let release = Mutex(true)
        let applies = Mutex(0)
    }

    static func cluster() throws -> ClusterFile {
        let json = #"{"name": "lab", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [{"name": "node1", "address": "127.0.0.2"}, {"name": "node2", "address": "127.0.0.3"}]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    /// node1 answers nothing useful and node2 is unreachable: a critical status, enough for shapes.
    static func snapshot(time: Double) throws -> Snapshot {
        let cluster = try cluster()
        let lost = NodeFacts(node: "node2", unreachable: "127.0.0.3:7480: connection refused")
        let status = StatusReport(cluster: cluster, nodes: [
            NodeReport(node: cluster.nodes[0], isTimeServer: true, facts: nil, parsed: NodeFacts(node: "node1"), offsetFromHere: 0, error: nil),
            NodeReport(node: cluster.nodes[1], isTimeServer: false, facts: nil, parsed: lost, offsetFromHere: nil, error: lost.unreachable),
        ])
        return Snapshot(status: status, time: time, durationSeconds: 0.25)
    }

    init(refresh: (@Sendable () -> Snapshot?)? = nil) throws {
        dir = try TemporaryDirectory("meridian-api")
        state = ServiceState(clusterName: "lab", startedAt: WallClock.now().asDouble)
        jobs = try JobManager(journalPath: dir.file("jobs.jsonl"), log: { _ in })
        history = try HistoryStore(path: dir.file("history.db"))
        lockPath = dir.file("apply.lock")
        let control = self.control
        let actions = APIActions(
            apply: { request, progress in
                control.applies.withLock { $0 += 1 }
                progress("time servers: node1")
                progress("concurrency \(request.concurrency)")
                while !control.release.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
                progress("verifying")
                return ApplyOutcome(steps: [Job.Step(node: "node1", step: "chrony", outcome: "changed", detail: "chrony.conf written")],
                                    verdict: "ok", failed: false, status: .object(["ok": .bool(true)]))
            },
            setClock: { request in
                switch request.target {
                case .absolute(let seconds): .success(.object(["outcomes": .array([]), "set_to": .integer(seconds)]))
                case .here: .failure(CoordinatorError(.notAllowed, "the cluster file does not allow manual time input"))
                }
            },
            plan: { .array([.object(["node": .string("node1"), "actions": .array([])])]) })
        router = APIRouter(.init(state: state, history: history, jobs: jobs, actions: actions, lockPath: lockPath,
                                 nodes: ["node1", "node2"], refresh: refresh ?? { nil }))
    }

    func connect(_ peer: APIPeer, hello: Bool = true) async -> (APIConnection, Notifications) {
        let notes = Notifications()
        let connection = APIConnection(peer: peer) { method, params in notes.add(method, params); return true }
        if hello { _ = await call(connection, "api.hello", ["client_version": .string("test"), "protocol_versions": .array([.integer(1)])]) }
        return (connection, notes)
    }

    /// On a thread of its own, as the server calls the router: synchronous methods (`clock.set`,
    /// `cluster.plan`) wait there for async work, which must never happen on the test's pool thread.
    func call(_ connection: APIConnection, _ method: String, _ params: JSONValue?) async -> Result<JSONValue, RPCError> {
        let router = self.router
        let request = RPCRequest(id: .number(1), method: method, params: params)
        do {
            return try await DedicatedThread.run(name: "api-test") { router.respond(to: request, on: connection) }
        } catch {
            return .failure(RPCError(code: RPCError.internalError, message: "no thread: \(error)"))
        }
    }

    func call(_ connection: APIConnection, _ method: String, _ params: [String: JSONValue]) async -> Result<JSONValue, RPCError> {
        await call(connection, method, .object(params))
    }

    /// Polls until `condition` holds (at most `seconds`). A bound, not a timing: it returns as
    /// soon as the condition holds. 30 s, not 5: under ThreadSanitizer on 2 cores, with every
    /// suite running at once, an apply job's detached task waited longer than 5 s for a thread of
    /// the cooperative pool (CI, interruptedJobIsVisibleThroughTheRouter).
    func wait(seconds: Double = 30, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

final class Notifications: Sendable {
    private let items = Mutex<[(method: String, params: JSONValue)]>([])
    func add(_ method: String, _ params: JSONValue) { items.withLock { $0.append((method, params)) } }
    var all: [(method: String, params: JSONValue)] { items.withLock { $0 } }
    func methods() -> [String] { all.map(\.method) }
}

extension Result where Success == JSONValue, Failure == RPCError {
    var error: RPCError? { if case .failure(let error) = self { error } else { nil } }
    var value: JSONValue? { if case .success(let value) = self { value } else { nil } }
}
