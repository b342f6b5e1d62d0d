import ClockSync
import Coordinator
import HostSystem
import JSONCore
import SecureTransport

/// What `cluster.apply` asks for (params of the same names; CLI flags of `meridian apply`).
public struct ApplyRequest: Sendable, Equatable {
    public var concurrency = 256
    public var syncWaitSeconds = 30.0
    public var settleSeconds = 30.0
    public var restartClusterServices = false
    public init() {}
}

/// What an apply ended with, as a job keeps it.
public struct ApplyOutcome: Sendable {
    public var steps: [Job.Step]
    /// `ok`, `warning`, `critical`, `unknown`: the cluster verdict after the apply.
    public var verdict: String
    /// A node failed a step.
    public var failed: Bool
    /// The final status (`meridian status --json`'s shape), for the `job.finished` notification.
    public var status: JSONValue?

    public init(steps: [Job.Step], verdict: String, failed: Bool, status: JSONValue?) {
        self.steps = steps; self.verdict = verdict; self.failed = failed; self.status = status
    }
}

/// What `clock.set` asks for: a time (`meridian clock set TIME`) or this machine's clock.
public struct ClockRequest: Sendable {
    public var target: ClockSet.Target
    public var force: Bool
    public init(target: ClockSet.Target, force: Bool) { self.target = target; self.force = force }
}

/// The API's doorway to the cluster: what changes it or surveys it on demand. `live` runs the
/// same orchestration as the CLI (`Apply.run`, `ClockSet.run`, `Plan`); tests of the router's
/// job and lock handling pass their own closures here, the lab tests run `live`.
public struct APIActions: Sendable {
    public var apply: @Sendable (ApplyRequest, _ progress: @escaping @Sendable (String) -> Void) async -> ApplyOutcome
    public var setClock: @Sendable (ClockRequest) async -> Result<JSONValue, CoordinatorError>
    public var plan: @Sendable () async -> JSONValue

    public init(apply: @escaping @Sendable (ApplyRequest, @escaping @Sendable (String) -> Void) async -> ApplyOutcome,
                setClock: @escaping @Sendable (ClockRequest) async -> Result<JSONValue, CoordinatorError>,
                plan: @escaping @Sendable () async -> JSONValue) {
        self.apply = apply; self.setClock = setClock; self.plan = plan
    }

    /// The real thing, for the cluster file at `clusterPath` (its apply journal beside it, as
    /// `meridian apply` writes it).
    public static func live(cluster: ClusterFile, clusterPath: String, context: TLSContext) -> APIActions {
        let journal = AtomicFile.parentDirectory(of: clusterPath) + "/apply-journal.jsonl"
        return APIActions(
            apply: { request, progress in
                var options = Apply.Options(journalPath: journal)
                options.concurrency = request.concurrency
                options.syncWaitSeconds = request.syncWaitSeconds
                options.settleSeconds = request.settleSeconds
                options.restartClusterServices = request.restartClusterServices
                let report = await Apply.run(cluster, context: context, options: options, progress: progress)
                return ApplyOutcome(
                    steps: report.steps.map { Job.Step(node: $0.node, step: $0.step.rawValue, outcome: $0.outcome.rawValue, detail: $0.detail) },
                    verdict: report.status.severity.description, failed: !report.failed.isEmpty, status: report.status.json)
            },
            setClock: { request in
                do throws(CoordinatorError) {
                    let outcomes = try await ClockSet.run(cluster, context: context, target: request.target, force: request.force)
                    let json = (try? JSONValueEncoder().encode(outcomes)) ?? .array([])
                    return .success(.object(["outcomes": json, "failed": .bool(outcomes.contains(where: \.failed))]))
                } catch {
                    return .failure(error)
                }
            },
            plan: {
                let entries = Plan.build(cluster, from: await Plan.survey(cluster, context: context))
                // The same JSON as `meridian plan --json`: one entry per node.
                return (try? JSONValueEncoder().encode(entries)) ?? .array([])
            })
    }
}
