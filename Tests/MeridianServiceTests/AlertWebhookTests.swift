import HostSystem
import JSONCore
import MeridianService
import Testing
import TestSupport

/// The Alerter end to end, without a lab: in-process snapshots published on a real
/// ServiceState, a real HistoryStore, and a real HTTP receiver on 127.0.0.1.
@Suite struct AlertWebhookTests {
    /// A running Alerter and what it told.
    struct Rig {
        let directory: TemporaryDirectory
        let state: ServiceState
        let store: HistoryStore
        let alerter: Alerter
        let logs = Collected<String>()
        let journal = Collected<String>()
        let announced = Collected<AlertEvent>()

        init(clusterName: String = "lab", _ configure: (inout ServeConfiguration) -> Void, tune: (inout Alerter.Tuning) -> Void = { _ in }) throws {
            state = ServiceState(clusterName: clusterName, startedAt: 0)
            directory = try TemporaryDirectory("meridian-alerts")
            store = try HistoryStore(path: directory.file("history.db"))
            var configuration = ServeConfiguration()
            configure(&configuration)
            var tuning = Alerter.Tuning()
            tuning.firstBackoff = .milliseconds(200)
            let journal = journal, logs = logs, announced = announced
            tuning.journal = { journal.append($0) }
            tune(&tuning)
            alerter = try Alerter(configuration: configuration, state: state, store: store, log: { logs.append($0) }, tuning: tuning)
            state.observeEvents { announced.append($0) }
            try alerter.start()
        }

        /// node2's offsets, one survey each, 30 s apart (nil: unreachable).
        func publish(_ offsets: [Double?]) throws {
            for snapshot in try snapshots(offsets) { state.publish(snapshot) }
        }

        func snapshots(_ offsets: [Double?]) throws -> [Snapshot] {
            try offsets.enumerated().map { index, offset in try AlertSnapshots.snapshot(node2: offset, at: 1_000 + Double(index) * 30) }
        }

        func idle(_ timeout: Duration = .seconds(20)) async throws -> Bool {
            let alerter = alerter
            return try await DedicatedThread.run(name: "alert-idle") { alerter.waitUntilIdle(timeout: timeout) }
        }

        func health(_ target: String) -> TargetHealth? { state.targets.first { $0.target == target } }
    }

    static func summary(_ json: JSONValue) -> String {
        "\(json["event"]?.stringValue ?? "?") \(json["node"]?.stringValue ?? "cluster") \(json["from"]?.stringValue ?? "?")>\(json["to"]?.stringValue ?? "?")"
    }

    static let expected = ["verdict_changed cluster ok>critical", "verdict_changed node2 ok>critical",
                           "verdict_changed cluster critical>ok", "verdict_changed node2 critical>ok"]

    @Test func receiverGetsExactlyTheEventsAndA500IsRetried() async throws {
        let receiver = try AlertTestReceiver(script: [500])
        defer { receiver.stop() }
        let rig = try Rig { $0.webhooks = [receiver.url] }
        defer { rig.alerter.stop() }
        try rig.publish([0.0004, 1.02, 1.02, 1.02, 0.0004, 0.0004])
        #expect(try await rig.idle())

        let requests = receiver.requests
        let bodies = try requests.map { try JSONValue(parsing: Array($0.body.utf8)) }
        #expect(bodies.count == 5, "four events, the first sent twice (answered 500 once): \(requests.map(\.body))")
        #expect(bodies.count >= 2 && bodies[0] == bodies[1], "the retry sends the same event")
        #expect(bodies.dropFirst().map(Self.summary) == Self.expected)
        #expect(bodies.last?["recovery"] == .bool(true) && bodies.last?["reasons"] == .array([]))
        #expect(bodies.dropFirst().compactMap { $0["id"]?.intValue } == [1, 2, 3, 4], "ids from the history store")
        let critical = try #require(bodies.dropFirst().first { $0["node"] == .string("node2") })
        #expect(critical["reasons"]?.arrayValue?.compactMap(\.stringValue).contains { $0.hasPrefix("node2: 1.020 s fast") } == true, "\(critical)")
        #expect(critical["cluster"] == .string("lab") && critical["time"]?.doubleValue == 1_060)
        let cluster = try #require(bodies.dropFirst().first { $0["node"] == .null })
        #expect(cluster["reasons"] == critical["reasons"], "the cluster event names the node that made it critical")

        let head = try #require(requests.first?.head)
        #expect(head.hasPrefix("POST /hook HTTP/1.1\r\n"))
        #expect(head.contains("\r\nContent-Type: application/json\r\n") && head.contains("\r\nHost: 127.0.0.1:\(receiver.port)\r\n"))

        let health = try #require(rig.health(receiver.url))
        #expect(health.delivered == 4 && health.failed == 1 && health.pending == 0 && health.lastError == "HTTP 500", "\(health)")
        #expect(rig.logs.all.contains { $0.contains("HTTP 500 (attempt 1 of 10); retrying in 0.2 s") }, "\(rig.logs.all)")
        #expect(try rig.store.events(since: 0).reversed().map { Self.summary($0.json) } == Self.expected)
        #expect(rig.announced.all.map { Self.summary($0.json) } == Self.expected)
        #expect(rig.journal.all.count == 4 && rig.health("journal")?.delivered == 4)
        #expect(try await AlertSchemaCheck.problems(requests.map(\.body), against: "event.schema.json") == [])
    }

    /// A port nobody listens on (refused at once) and a listener that never answers (a 5 s
    /// timeout each attempt) sit before the live receiver in the list; the live one still gets
    /// both events at once, and the publisher never waits.
    @Test func deadTargetsDelayNothingButThemselves() async throws {
        let closed = try IdleSocket(listening: false)
        defer { closed.close() }
        let silent = try IdleSocket(listening: true)
        defer { silent.close() }
        let receiver = try AlertTestReceiver()
        defer { receiver.stop() }
        let closedURL = closed.url, silentURL = silent.url
        let rig = try Rig({ $0.webhooks = [closedURL, silentURL, receiver.url] }, tune: { $0.firstBackoff = .seconds(1) })
        defer { rig.alerter.stop() }

        let snapshots = try rig.snapshots([0.0004, 1.02, 1.02])
        let started = ContinuousClock.now
        for snapshot in snapshots { rig.state.publish(snapshot) }
        let publishing = ContinuousClock.now - started
        // A publish that waited for a target would wait for the silent one's 5 s timeout.
        #expect(publishing < .seconds(2), "publish never waits for a target: took \(publishing)")
        let arrived = try await DedicatedThread.run(name: "wait-live") { receiver.wait(for: 2, timeout: .seconds(6)) }
        #expect(arrived, "the live receiver got \(receiver.requests.count) of 2 events")
        let last = try #require(receiver.requests.last?.arrived)
        // Behind the silent one it would wait its 5 s timeout at least; 4 s leaves room for a loaded machine.
        #expect(last - started < .seconds(4), "the live receiver waited \(last - started) behind the dead ones")
        print("alerts: live webhook got both events \(last - started) after the publish, beside two dead ones")
        #expect(receiver.requests.map { Self.summary((try? JSONValue(parsing: Array($0.body.utf8))) ?? .null) } == Array(Self.expected.prefix(2)))

        let refused = try #require(rig.health(closedURL))
        #expect(refused.failed >= 1 && refused.pending == 2 && refused.delivered == 0, "\(refused)")
        #expect(refused.lastError?.contains("refused") == true, "\(refused)")
        #expect(rig.health(silentURL)?.pending == 2)
        let live = receiver.url
        let counted = try await DedicatedThread.run(name: "wait-health") { () -> Bool in
            for _ in 0..<40 where rig.health(live)?.delivered != 2 { ChildProcess.sleep(.milliseconds(50)) }
            return rig.health(live)?.delivered == 2
        }
        #expect(counted, "the live target's health counts both deliveries: \(String(describing: rig.health(live)))")
    }

    @Test func fullQueueDropsTheOldestWithALogLine() async throws {
        let closed = try IdleSocket(listening: false)
        defer { closed.close() }
        let url = closed.url
        let rig = try Rig({ $0.webhooks = [url] }, tune: { $0.queueCapacity = 1; $0.firstBackoff = .seconds(60) })
        defer { rig.alerter.stop() }
        try rig.publish([0.0004, 1.02, 1.02])
        _ = try await DedicatedThread.run(name: "settle") { ChildProcess.sleep(.milliseconds(500)) }
        #expect(rig.logs.all.contains { $0.contains("queue full (1), dropped the oldest event #1 (cluster ok -> critical)") }, "\(rig.logs.all)")
        #expect(rig.health(url)?.pending == 1)
    }
}

/// A socket of 127.0.0.1 that never accepts, kept for the test.
/// - `listening: false`: bound only, so connections are refused. (A receiver stopped to free its
///   port could see that port reused by another test's listener running in parallel, which then
///   answered.)
/// - `listening: true`: connects succeed (the kernel's backlog), nothing is ever answered.
final class IdleSocket: Sendable {
    let fd: Int32
    let port: UInt16

    init(listening: Bool) throws {
        fd = silentSocket()
        guard fd >= 0 else { throw HostError(.io, "socket: \(Errno.current)") }
        port = try AlertTestReceiver.bindLoopback(fd)
        if listening, !startListening(fd) { throw HostError(.io, "listen: \(Errno.current)") }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    func close() { closeSocket(fd) }
}
