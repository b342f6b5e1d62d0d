internal import Glibc
import HostSystem
import JSONCore
import WireProtocol
import Synchronization

/// The service's jobs: in memory for `cluster.job` / `cluster.jobs`, and in the job journal
/// (`JobJournal`) so they outlive the daemon. At start-up every job the journal shows started
/// but never finished is marked interrupted (in memory and with an `interrupted` line), which is
/// all the recovery a kill -9 needs: the apply lock is an flock and died with the process.
public final class JobManager: Sendable {
    /// Jobs kept in memory (the journal keeps them all).
    public static let keep = 200

    private struct Inner {
        var jobs: [Job] = []
        var next = 1
    }

    public let journal: JobJournal
    private let inner = Mutex(Inner())
    private let log: @Sendable (String) -> Void

    public init(journalPath: String, log: @escaping @Sendable (String) -> Void) throws(ServiceError) {
        journal = JobJournal(path: journalPath)
        self.log = log
        var loaded: [Job]
        do {
            let replay = try journal.replay()
            loaded = replay.jobs
            if replay.skipped > 0 { log("job journal \(journalPath): skipped \(replay.skipped) unreadable line(s)") }
            // A line torn by a crash must not swallow the next record.
            if replay.tornEnd { try AtomicFile.append([0x0A], to: journalPath) }
        } catch where error.kind == .limit {
            let aside = journalPath + ".old"
            AtomicFile.remove(aside)
            guard rename(journalPath, aside) == 0 else {
                throw ServiceError(.io, "job journal \(journalPath) is too large and cannot be moved aside to \(aside)")
            }
            log("job journal \(journalPath) was larger than \(JobJournal.readLimit) bytes: moved aside to \(aside), a new one begun")
            loaded = []
        } catch {
            throw ServiceError(.io, "job journal \(journalPath): \(error)")
        }
        let now = WallClock.now().asDouble
        for index in loaded.indices where loaded[index].state == .running {
            loaded[index].state = .interrupted
            loaded[index].ended = now
            do { try journal.append(["type": .string("interrupted"), "job": .string(loaded[index].id), "time": .number(now)]) } catch {
                log("job journal \(journalPath): cannot mark \(loaded[index].id) interrupted: \(error)")
            }
            log("job \(loaded[index].id) (started by \(loaded[index].startedBy)) was interrupted: the service stopped before it finished")
        }
        let highest = loaded.compactMap { Self.number(of: $0.id) }.max() ?? 0
        let jobs = Array(loaded.suffix(Self.keep))
        inner.withLock { $0.jobs = jobs; $0.next = highest + 1 }
    }

    /// `apply-12` → 12.
    static func number(of id: String) -> Int? {
        guard let dash = id.lastIndex(of: "-") else { return nil }
        return Int(id[id.index(after: dash)...])
    }

    /// The id the next job will get (`KIND-N`, N above every id in the journal). Only the holder
    /// of the apply lock begins a job, so two callers that read the same id cannot both use it.
    public func nextID(kind: String = "apply") -> String {
        inner.withLock { "\(kind)-\($0.next)" }
    }

    /// Records the start of a job (its id from `nextID`, taken under the apply lock).
    public func begin(_ id: String, kind: String = "apply", startedBy: String, at time: Double = WallClock.now().asDouble) {
        let job = Job(id: id, kind: kind, started: time, startedBy: startedBy)
        inner.withLock { state in
            if let number = Self.number(of: id) { state.next = max(state.next, number + 1) }
            state.jobs.append(job)
            if state.jobs.count > Self.keep { state.jobs.removeFirst(state.jobs.count - Self.keep) }
        }
        write(["type": .string("started"), "job": .string(id), "kind": .string(kind), "started_by": .string(startedBy), "time": .number(time)])
    }

    public func progress(_ id: String, line: String, at time: Double) {
        update(id) { $0.append(line: line, at: time) }
        write(["type": .string("progress"), "job": .string(id), "line": .string(line), "time": .number(time)])
    }

    /// Ends a job: its steps, its final state (finished or failed) and the cluster verdict.
    public func finish(_ id: String, steps: [Job.Step], state: Job.State, verdict: String?, at time: Double = WallClock.now().asDouble) {
        for step in steps {
            write(["type": .string("step"), "job": .string(id), "node": .string(step.node), "step": .string(step.step),
                   "outcome": .string(step.outcome), "detail": .string(step.detail), "time": .number(time)])
        }
        write(["type": .string("finished"), "job": .string(id), "state": .string(state.rawValue),
               "verdict": verdict.map(JSONValue.string) ?? .null, "time": .number(time)])
        update(id) { job in
            job.steps = steps; job.state = state; job.verdict = verdict; job.ended = time
        }
    }

    public func job(_ id: String) -> Job? { inner.withLock { state in state.jobs.last { $0.id == id } } }

    /// Every job kept, oldest first.
    public var jobs: [Job] { inner.withLock { $0.jobs } }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        inner.withLock { state in
            guard let index = state.jobs.lastIndex(where: { $0.id == id }) else { return }
            change(&state.jobs[index])
        }
    }

    /// A journal that cannot be written must not stop the job; it is logged.
    private func write(_ record: [String: JSONValue]) {
        do { try journal.append(record) } catch { log("job journal \(journal.path): \(error)") }
    }
}
