import HostSystem
import JSONCore
@testable import MeridianService
import Synchronization
import Testing
import TestSupport
import WireProtocol

/// Apply jobs and the shared apply lock: progress notifications in order, the job's final
/// state, busy while anyone (the daemon's job, another process) holds the lock, and a journal
/// with an unfinished job read back as interrupted.
@Suite struct APIJobTests {
    static let alice = APIPeer(.operator(name: "alice"))

    @Test func applyAnswersAJobAndStreamsItsProgressToTheEnd() async throws {
        let fixture = try APIFixture()
        let (connection, notes) = await fixture.connect(Self.alice)
        let id = try #require(await fixture.call(connection, "cluster.apply", ["concurrency": .integer(4)]).value?["job"]?.stringValue)
        #expect(id == "apply-1")
        #expect(await fixture.wait { notes.methods().last == "job.finished" })
        let progress = notes.all.filter { $0.method == "job.progress" }
        #expect(progress.compactMap { $0.params["line"]?.stringValue } == ["time servers: node1", "concurrency 4", "verifying"])
        #expect(progress.allSatisfy { $0.params["job"] == .string(id) && $0.params["time"]?.doubleValue != nil })
        let finished = try #require(notes.all.last?.params)
        #expect(finished["state"] == .string("finished"))
        #expect(finished["status"]?["ok"] == .bool(true))
        let job = try #require(await fixture.call(connection, "cluster.job", ["job": .string(id)]).value)
        #expect(job["state"] == .string("finished"))
        #expect(job["verdict"] == .string("ok"))
        #expect(job["started_by"] == .string("operator alice"))
        #expect(job["steps"]?.arrayValue?.first?["outcome"] == .string("changed"))
        #expect(job["ended"]?.doubleValue != nil)
        // The lock is free again, and the journal has the whole story.
        #expect(!ApplyLock.isHeld(at: fixture.lockPath))
        let replay = try JobJournal(path: fixture.dir.file("jobs.jsonl")).replay()
        #expect(replay.jobs.map(\.state) == [.finished])
        #expect(replay.jobs.first?.lines.count == 3)
    }

    @Test func secondApplyWhileAJobRunsIsBusyNamingTheJob() async throws {
        let fixture = try APIFixture()
        fixture.control.release.withLock { $0 = false }
        let (first, notes) = await fixture.connect(Self.alice)
        let (second, _) = await fixture.connect(APIPeer(.local(uid: 0)))
        let id = try #require(await fixture.call(first, "cluster.apply", nil).value?["job"]?.stringValue)
        #expect(await fixture.wait { notes.all.count >= 1 })
        #expect(await fixture.call(second, "cluster.job", ["job": .string(id)]).value?["state"] == .string("running"))
        for method in ["cluster.apply", "clock.set"] {
            let params: JSONValue = method == "clock.set" ? .object(["unix_seconds": .integer(1_796_169_600)]) : .object([:])
            let busy = try #require(await fixture.call(second, method, params).error)
            #expect(busy.code == -32010)
            #expect(busy.message.contains("busy: apply job \(id) started by operator alice at "), "\(busy.message)")
            #expect(busy.data?["holder"]?["job"] == .string(id))
        }
        // The CLI takes the same lock (ApplyLockGate in `meridian apply`): refused with the same holder.
        guard case .busy(let holder?) = try ApplyLock.acquire(at: fixture.lockPath, holder: .commandLine(action: "apply")) else {
            Issue.record("the CLI's lock attempt was not refused"); return
        }
        #expect(holder.job == id)
        fixture.control.release.withLock { $0 = true }
        #expect(await fixture.wait { notes.methods().last == "job.finished" })
        #expect(await fixture.wait { !ApplyLock.isHeld(at: fixture.lockPath) })
        #expect(await fixture.call(second, "cluster.apply", nil).value?["job"] == .string("apply-2"))
    }

    /// Another process holds the lock, as `meridian apply` would: the `flock` CLI (`--close`: only
    /// flock itself holds it, not its sleep) after the holder line is written as ApplyLock writes it.
    @Test func lockHeldByAnotherProcessIsBusyAndDiesWithIt() async throws {
        let fixture = try APIFixture()
        let holder = ApplyLock.Holder(pid: 4242, who: "meridian apply (cli, uid 0)", action: "apply", started: 1_796_169_600)
        try AtomicFile.write(holder.json.encodedBytes(), to: fixture.lockPath)
        let child = try ChildProcess.spawnDetached(["/usr/bin/flock", "--exclusive", "--close", fixture.lockPath, "/bin/sleep", "60"],
                                                   logPath: fixture.dir.file("flock.log"))
        // flock and its sleep are one process group (their own session): killed together at the end.
        defer { ChildProcess.signal(-child, 9); _ = ChildProcess.reap(child) }
        #expect(await fixture.wait { ApplyLock.isHeld(at: fixture.lockPath) })
        let (connection, _) = await fixture.connect(Self.alice)
        let busy = try #require(await fixture.call(connection, "cluster.apply", nil).error)
        #expect(busy.code == -32010)
        #expect(busy.message == "busy: apply started by meridian apply (cli, uid 0) at 2026-12-02 00:00:00 UTC (pid 4242) is running; retry when it has finished")
        #expect(fixture.jobs.jobs.isEmpty)
        // kill -9: the kernel drops the flock with the process; nothing stale is left.
        ChildProcess.signal(child, 9)
        #expect(await fixture.wait { !ApplyLock.isHeld(at: fixture.lockPath) })
        let id = try #require(await fixture.call(connection, "cluster.apply", nil).value?["job"]?.stringValue)
        #expect(!id.isEmpty)
    }

    @Test func unfinishedJobInTheJournalIsInterruptedAndANewApplyRuns() async throws {
        let dir = try TemporaryDirectory("meridian-jobs")
        let path = dir.file("jobs.jsonl")
        try dir.write("jobs.jsonl", """
            {"type":"started","job":"apply-1","kind":"apply","started_by":"operator alice","time":1000}
            {"type":"finished","job":"apply-1","state":"finished","verdict":"ok","time":1010}
            {"type":"started","job":"apply-2","kind":"apply","started_by":"operator bob","time":2000}
            {"type":"progress","job":"apply-2","line":"time servers: node1","time":2001}
            {"type":"progress","job":"apply-2","li
            """)
        let logged = LogLines()
        let jobs = try JobManager(journalPath: path, log: logged.add)
        #expect(jobs.jobs.map(\.state) == [.finished, .interrupted])
        let interrupted = try #require(jobs.job("apply-2"))
        #expect(interrupted.lines.map(\.text) == ["time servers: node1"])
        #expect(interrupted.startedBy == "operator bob")
        #expect(logged.all.contains { $0.contains("skipped 1 unreadable line") })
        #expect(logged.all.contains { $0.contains("job apply-2 (started by operator bob) was interrupted") })
        // Marked in the journal: a second start-up reads it as interrupted without marking it again.
        let again = LogLines()
        let reloaded = try JobManager(journalPath: path, log: again.add)
        #expect(reloaded.job("apply-2")?.state == .interrupted)
        #expect(!again.all.contains { $0.contains("was interrupted") })
        // A new job gets a fresh id and completes.
        #expect(reloaded.nextID() == "apply-3")
    }

    @Test func interruptedJobIsVisibleThroughTheRouter() async throws {
        let fixture = try APIFixture()
        try AtomicFile.append(Array(#"{"type":"started","job":"apply-7","kind":"apply","started_by":"operator alice","time":1000}"#.utf8) + [0x0A],
                              to: fixture.dir.file("jobs.jsonl"))
        let jobs = try JobManager(journalPath: fixture.dir.file("jobs.jsonl"), log: { _ in })
        let router = APIRouter(.init(state: fixture.state, history: nil, jobs: jobs, actions: fixture.router.dependencies.actions,
                                     lockPath: fixture.lockPath, nodes: [], refresh: { nil }))
        let notes = Notifications()
        let connection = APIConnection(peer: Self.alice) { method, params in notes.add(method, params); return true }
        func call(_ method: String, _ params: [String: JSONValue]) -> Result<JSONValue, RPCError> {
            router.respond(to: RPCRequest(id: .number(1), method: method, params: .object(params)), on: connection)
        }
        _ = call("api.hello", ["client_version": .string("t"), "protocol_versions": .array([.integer(1)])])
        #expect(call("cluster.job", ["job": .string("apply-7")]).value?["state"] == .string("interrupted"))
        #expect(call("cluster.jobs", [:]).value?["jobs"]?.arrayValue?.first?["state"] == .string("interrupted"))
        #expect(call("history.query", ["node": .string("node1"), "since_seconds": .integer(60)]).error?.code == -32012)
        let id = try #require(call("cluster.apply", [:]).value?["job"]?.stringValue)
        #expect(id == "apply-8")
        #expect(await fixture.wait { notes.methods().last == "job.finished" })
        #expect(call("cluster.job", ["job": .string(id)]).value?["state"] == .string("finished"))
    }
}

final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    @Sendable func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
