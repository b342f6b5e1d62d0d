import TestSupport
import MeridianService
import Testing

/// Roll-up and retention on synthetic samples, through the real SQLite store.
@Suite(.offPool) struct HistoryMaintenanceTests {
    static let hour = 3600.0
    /// A round start (a multiple of the 5-minute bucket) so the expected buckets are easy to name.
    static let t0 = 1_800_000_000.0

    func sample(_ node: String, _ time: Double, _ offset: Double?, _ state: AlertState = .ok, stratum: Int = 3) -> NodeSample {
        NodeSample(node: node, time: time, offsetSeconds: offset, chronyOffsetSeconds: offset.map { -$0 }, rootDelaySeconds: 0.001,
                   rootDispersionSeconds: 0.002, stratum: stratum, source: "127.0.0.2", synced: offset != nil, reachable: offset != nil,
                   state: state, reasons: state == .ok ? [] : ["\(node) is \(state)"])
    }

    @Test func rawSamplesPastRawHoursBecomeFiveMinuteBuckets() throws {
        let dir = try TemporaryDirectory()
        let store = try HistoryStore(path: dir.file("history.db"))
        // Three hours of 30 s samples for two nodes; node2's offset walks up, one sample critical.
        var samples: [NodeSample] = []
        for i in 0..<360 {
            let time = Self.t0 + Double(i) * 30
            samples.append(sample("node1", time, 0.001))
            samples.append(sample("node2", time, Double(i) * 0.001, i == 13 ? .critical : .ok, stratum: i))
        }
        try store.record(samples)
        let now = Self.t0 + 3 * Self.hour
        let done = try store.maintain(now: now, rawHours: 1, retentionDays: 90)
        // Raw cutoff: now - 1 h = t0 + 2 h, a bucket boundary: 2 h of 30 s samples per node rolled.
        #expect(done.rolledUp == 2 * 240)
        #expect(done.dropped == 0)
        let points = try store.points(node: "node2", since: 0)
        let rolled = points.filter { $0.count > 1 }
        #expect(rolled.count == 24, "two hours of 5-minute buckets")
        #expect(points.count - rolled.count == 120, "the last hour stays raw")
        let first = try #require(rolled.first)
        #expect(first.sample.time == Self.t0)
        #expect(first.count == 10)
        #expect(first.offsetMinSeconds == 0)
        #expect(abs((first.offsetMaxSeconds ?? 0) - 0.009) < 1e-12)
        #expect(abs((first.sample.offsetSeconds ?? 0) - 0.0045) < 1e-12, "the mean of 0…9 ms")
        #expect(first.sample.stratum == 9, "the bucket's last values for the rest")
        #expect(rolled[1].sample.state == .critical, "sample 13 sits in the second bucket: the worst verdict wins")
        #expect(rolled[1].sample.reasons == [], "reasons are the bucket's last")
        #expect(rolled[0].sample.state == .ok && rolled[2].sample.state == .ok)
        // Idempotent: a second pass finds nothing new to roll.
        #expect(try store.maintain(now: now, rawHours: 1, retentionDays: 90).rolledUp == 0)
        #expect(try store.points(node: "node2", since: 0).count == points.count)
    }

    @Test func aLateSampleForARolledBucketIsMergedIntoIt() throws {
        let dir = try TemporaryDirectory()
        let store = try HistoryStore(path: dir.file("history.db"))
        try store.record((0..<10).map { sample("node1", Self.t0 + Double($0) * 30, 0.002) })
        try store.maintain(now: Self.t0 + 2 * Self.hour, rawHours: 1, retentionDays: 90)
        try store.record([sample("node1", Self.t0 + 15, 0.013, .warning)])
        try store.maintain(now: Self.t0 + 2 * Self.hour, rawHours: 1, retentionDays: 90)
        let points = try store.points(node: "node1", since: 0)
        #expect(points.count == 1)
        #expect(points.first?.count == 11)
        #expect(points.first?.offsetMaxSeconds == 0.013)
        #expect(points.first?.sample.state == .warning)
        #expect(abs((points.first?.sample.offsetSeconds ?? 0) - (0.002 * 10 + 0.013) / 11) < 1e-12)
    }

    @Test func rowsPastTheRetentionAreDropped() throws {
        let dir = try TemporaryDirectory()
        let store = try HistoryStore(path: dir.file("history.db"))
        let now = Self.t0 + 10 * 86_400
        try store.record([sample("node1", Self.t0, 0.001), sample("node1", now - 6 * 86_400, 0.001), sample("node1", now - 60, 0.001)])
        _ = try store.record(AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node1", from: .ok, to: .critical, reasons: [], time: Self.t0))
        let kept = try store.record(AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node1", from: .critical, to: .ok, reasons: [], time: now - 60))
        let done = try store.maintain(now: now, rawHours: 48, retentionDays: 7)
        #expect(done.dropped == 2, "the 10-day-old sample and event")
        #expect(try store.points(node: "node1", since: 0).map(\.sample.time) == [now - 6 * 86_400, now - 60])
        #expect(try store.events(since: 0) == [kept])
    }

    @Test func historySurvivesReopening() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("history.db")
        do {
            let store = try HistoryStore.open(path: path, now: Self.t0) { _ in }
            try store.record([sample("node2", Self.t0, 1.002, .critical)])
        }
        let again = try HistoryStore.open(path: path, now: Self.t0 + 60) { line in Issue.record("unexpected: \(line)") }
        #expect(try again.points(node: "node2", since: 0).map(\.sample.offsetSeconds) == [1.002])
        #expect(try HistoryStore.openForReading(path: path).points(node: "node2", since: 0).count == 1)
    }
}
