import ClockSync
import Coordinator
import HostSystem
import JSONCore
import MeridianService
import SecureTransport
import Synchronization
import Testing
import TestSupport

/// `meridian serve`'s watch loop on the real loopback lab (real chronyd -x, real agents, the
/// lab's clocks), plus one node that answers every call just inside its timeout. In the lab
/// suite: every lab uses the same addresses 127.0.0.N; the slow node listens on 127.0.0.9:7480.
extension LabIntegrationTests {
    /// Waits (off the pool) until `ready` holds, at most `seconds`; returns whether it did.
    func eventually(_ seconds: Double, _ ready: @escaping @Sendable () -> Bool) async throws -> Bool {
        try await Self.eventually(seconds, ready)
    }

    static func eventually(_ seconds: Double, _ ready: @escaping @Sendable () -> Bool) async throws -> Bool {
        try await DedicatedThread.run(name: "eventually") {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while ContinuousClock.now < deadline {
                if ready() { return true }
                ChildProcess.sleep(.milliseconds(50))
            }
            return ready()
        }
    }

    @Test func skewStoppedAgentAndSlowNodeAreNamedWithoutStallingTheLoop() async throws {
        var (cluster, context) = try await up(nodes: 3)
        let directory = self.directory, layout = self.layout
        // The slow node: a real TLS agent certificate from the lab's CA, answers 1.8 s late
        // against a 2 s per-call timeout. Without a per-node deadline: ~6 calls x 1.8 s.
        _ = try PKI.issueAgent(node: "slow", address: "127.0.0.9", in: cluster.certificateDirectory, force: true)
        let certs = cluster.certificateDirectory
        let slow = try SlowAgent(TLSConfiguration(caPath: certs + "/ca.pem", certificatePath: certs + "/slow.pem", keyPath: certs + "/slow.key", role: .agent),
                                 node: "slow", at: Endpoint(host: "127.0.0.9", port: Endpoint.defaultPort), delay: .milliseconds(1800))
        defer { slow.stop() }
        cluster.nodes.append(ClusterFile.Node(name: try #require(Hostname("slow")), address: try #require(IPAddress("127.0.0.9"))))

        var configuration = ServeConfiguration()
        configuration.intervalSeconds = 5
        configuration.surveyTimeoutSeconds = 2
        configuration.stateDirectory = directory.file("state")
        try AtomicFile.makeDirectories(configuration.stateDirectory)
        let store = try HistoryStore.open(path: configuration.historyPath, now: WallClock.now().asDouble) { _ in }
        let state = ServiceState(clusterName: cluster.name, startedAt: WallClock.now().asDouble)
        let snapshots = Mutex<[Snapshot]>([])
        state.observeSnapshots { snapshot in snapshots.withLock { $0.append(snapshot) } }
        let logged = Mutex<[String]>([])
        let watcher = Watcher(cluster: cluster, context: context, configuration: configuration, state: state, store: store) { line in
            logged.withLock { $0.append(line) }
        }
        let deadlineBound = 2 + Watcher.deadlineMargin.seconds + 1.5  // the deadline, the watchdog's tick, a loaded machine

        let first = try await DedicatedThread.run(name: "first-survey") { watcher.surveyNow() }
        let slowSample = try #require(first.samples.first { $0.node == "slow" })
        #expect(!slowSample.reachable && slowSample.state == .unreachable)
        #expect(slowSample.reasons.contains { $0.contains("per-node deadline of 3.500 s") }, "\(slowSample.reasons)")
        #expect(first.durationSeconds < deadlineBound, "the slow node held the survey \(first.durationSeconds) s")
        #expect(slow.requests.withLock { $0 } >= 2, "control: the slow node was reached and answered")
        let before = try #require(first.samples.first { $0.node == "node2" })
        #expect(before.reachable)
        #expect(abs(before.offsetSeconds ?? 9) < 0.3, "node2 starts near the server: \(String(describing: before.offsetSeconds))")
        #expect(state.latest?.time == first.time, "published")

        try watcher.start()
        defer { watcher.stop() }
        // node2's clock steps +1 s: named critical, with that offset, within one interval.
        let stepped = WallClock.now().asDouble
        try LabClock.step(layout, node: "node2", by: 1.0)
        let within = configuration.intervalSeconds + deadlineBound + 2
        let skewSeen = try await eventually(within) {
            snapshots.withLock { $0.contains { $0.time >= stepped && $0.samples.contains { $0.node == "node2" && $0.state == .critical && abs(($0.offsetSeconds ?? 0) - 1) < 0.2 } } }
        }
        let lastNode2 = snapshots.withLock { $0.last?.samples.first { $0.node == "node2" } }
        #expect(skewSeen, "node2 +1 s not named critical within \(within) s: \(String(describing: lastNode2))")

        // node3's agent stops: named unreachable within one interval (plus one survey).
        let agent = try #require(LabState.load(layout)?.agents["node3"])
        try await DedicatedThread.run(name: "stop-agent") { LabProcesses.stop(agent) }
        let stopped = WallClock.now().asDouble
        let goneSeen = try await eventually(within) {
            snapshots.withLock { $0.contains { $0.time >= stopped && $0.samples.contains { $0.node == "node3" && $0.state == .unreachable } } }
        }
        #expect(goneSeen, "node3 not named unreachable within \(within) s")

        // refresh: two at once get the same survey (never two at once).
        async let a = watcher.refreshed()
        async let b = watcher.refreshed()
        let (ra, rb) = await (a, b)
        let (one, two) = (try #require(ra), try #require(rb))
        #expect(one.time == two.time, "two refreshes, one survey")
        #expect(one.time >= stopped)

        watcher.stop()
        let all = snapshots.withLock { $0 }
        for (earlier, later) in zip(all, all.dropFirst()) {
            #expect(later.time >= earlier.time + earlier.durationSeconds - 0.01, "surveys overlapped: \(earlier.time)+\(earlier.durationSeconds) > \(later.time)")
            #expect(later.durationSeconds < deadlineBound, "a survey took \(later.durationSeconds) s")
        }
        let count = watcher.completedSurveys
        try await Task.sleep(for: .seconds(configuration.intervalSeconds + 1))
        #expect(watcher.completedSurveys == count, "no survey after stop")

        // History: node2's ~1 s is there, and survives a reopen.
        let points = try store.points(node: "node2", since: stepped)
        #expect(points.contains { abs(($0.sample.offsetSeconds ?? 0) - 1) < 0.2 }, "\(points.map(\.sample.offsetSeconds))")
        try store.close()
        let reopened = try HistoryStore.open(path: configuration.historyPath, now: WallClock.now().asDouble) { line in Issue.record("\(line)") }
        #expect(try reopened.points(node: "node2", since: stepped).count == points.count)
        #expect(try reopened.points(node: "node1", since: 0).count == all.count, "one sample per survey")
        #expect(logged.withLock { $0.contains { $0.contains("unreachable: ") && $0.contains("slow") } })
    }
}
