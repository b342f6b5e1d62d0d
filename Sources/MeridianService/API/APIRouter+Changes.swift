import ClockSync
import Coordinator
import HostSystem
import JSONCore
import WireProtocol

/// The two methods that change the cluster, both refused to read-only operators and both under
/// the apply lock, which `meridian apply` and `meridian clock set` take too.
extension APIRouter {
    /// `cluster.apply`: takes the lock, starts the job and answers its id at once. The job runs
    /// as a detached task (its blocking work on FanOut's dedicated threads, as in the CLI), writes
    /// every progress line to the job journal and, as `job.progress`, to the connection that
    /// started it; `job.finished` ends it there. A closed connection does not stop the job.
    /// The job starts once the answer with its id is sent, so that answer comes first.
    func apply(_ raw: JSONValue?, _ connection: APIConnection) throws(RPCError) -> JSONValue {
        guard !connection.peer.isReadOnly else { throw APIError.forbidden(APIMethod.apply.rawValue, peer: connection.peer) }
        let params = try APIParams(raw, method: APIMethod.apply.rawValue,
                                   known: ["concurrency", "sync_wait_seconds", "settle_seconds", "restart_cluster_services"])
        var request = ApplyRequest()
        request.concurrency = try params.integer("concurrency", in: 1...256) ?? request.concurrency
        request.syncWaitSeconds = try params.number("sync_wait_seconds", in: 1...3600) ?? request.syncWaitSeconds
        request.settleSeconds = try params.number("settle_seconds", in: 0...3600) ?? request.settleSeconds
        request.restartClusterServices = try params.bool("restart_cluster_services") ?? false
        let jobs = dependencies.jobs
        let id = jobs.nextID()
        let who = connection.peer.description
        let lock = try takeLock(ApplyLock.Holder(who: who, job: id, action: "apply"))
        jobs.begin(id, startedBy: who)
        let actions = dependencies.actions
        let wanted = request
        // Progress may be minutes apart (a settle wait): the peer need not talk meanwhile.
        connection.hooks.holdOpen()
        connection.hooks.whenAnswered { Task.detached {
            let outcome = await actions.apply(wanted) { line in
                let time = WallClock.now().asDouble
                jobs.progress(id, line: line, at: time)
                connection.notify(APIMethod.Notification.jobProgress.rawValue,
                                  .object(["job": .string(id), "line": .string(line), "time": .number(time)]))
            }
            jobs.finish(id, steps: outcome.steps, state: outcome.failed ? .failed : .finished, verdict: outcome.verdict)
            lock.release()
            guard case .object(var members)? = jobs.job(id)?.json else { return }
            members["status"] = outcome.status ?? .null
            connection.notify(APIMethod.Notification.jobFinished.rawValue, .object(members))
        } }
        return .object(["job": .string(id)])
    }

    /// `clock.set`: as `meridian clock set`, synchronous, under the lock.
    func setClock(_ raw: JSONValue?, _ connection: APIConnection) throws(RPCError) -> JSONValue {
        guard !connection.peer.isReadOnly else { throw APIError.forbidden(APIMethod.setClock.rawValue, peer: connection.peer) }
        let params = try APIParams(raw, method: APIMethod.setClock.rawValue, known: ["time", "unix_seconds", "from_here", "force"])
        let target: ClockSet.Target
        switch (try params.string("time", maxLength: 64), try params.integer("unix_seconds", in: 946_684_800...7_258_118_400),
                try params.bool("from_here")) {
        case (let text?, nil, nil):
            do { target = .absolute(try CivilTime.parseAdminTime(text)) } catch {
                throw RPCError.invalidParams("field \"time\": \(error) (expected \"YYYY-MM-DD HH:MM:SS ±HH:MM\")")
            }
        case (nil, let seconds?, nil): target = .absolute(Int64(seconds))
        case (nil, nil, true?): target = .here
        case (nil, nil, false?): throw RPCError.invalidParams("field \"from_here\" must be true when given")
        case (nil, nil, nil): throw RPCError.invalidParams("missing field \"time\" (or \"unix_seconds\", or \"from_here\": true)")
        default: throw RPCError.invalidParams("fields \"time\", \"unix_seconds\" and \"from_here\" exclude each other: give one")
        }
        let request = ClockRequest(target: target, force: try params.bool("force") ?? false)
        let lock = try takeLock(ApplyLock.Holder(who: connection.peer.description, action: "clock set"))
        defer { lock.release() }
        let actions = dependencies.actions
        switch BlockingWait.run({ await actions.setClock(request) }) {
        case .success(let result): return result
        case .failure(let error): throw APIError.unavailable("refused: \(error)")
        }
    }

    private func takeLock(_ holder: ApplyLock.Holder) throws(RPCError) -> ApplyLock {
        let attempt: ApplyLock.Attempt
        do { attempt = try ApplyLock.acquire(at: dependencies.lockPath, holder: holder) } catch {
            throw RPCError(code: RPCError.internalError, message: "internal error: \(error)")
        }
        switch attempt {
        case .acquired(let lock): return lock
        case .busy(let holder): throw APIError.busy(holder)
        }
    }
}
