import TestSupport
import MeridianService
import Testing

/// `HistoryStore.summary` on synthetic samples, the figures computed here independently.
@Suite struct HistorySummaryTests {
    static let t0 = 1_800_000_000.0

    /// A deterministic walk of offsets (no randomness: a failure reproduces).
    static func offsets(_ count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.4  // -0.2 ... 0.2 s
        }
    }

    @Test(arguments: [(200, UInt64(1)), (1000, UInt64(7)), (37, UInt64(42))])
    func figuresMatchAnIndependentComputation(count: Int, seed: UInt64) throws {
        let dir = try TemporaryDirectory()
        let store = try HistoryStore(path: dir.file("history.db"))
        let tolerance = 0.1, interval = 30.0
        let offsets = Self.offsets(count, seed: seed)
        let states: [AlertState] = offsets.map { abs($0) > tolerance ? .critical : (abs($0) > tolerance / 2 ? .warning : .ok) }
        let samples = offsets.enumerated().map { i, offset in
            NodeSample(node: "node2", time: Self.t0 + Double(i) * interval, offsetSeconds: offset, synced: true, reachable: true,
                       state: states[i], reasons: [])
        }
        try store.record(samples + [NodeSample(node: "node1", time: Self.t0, synced: true, reachable: true, state: .ok, reasons: [])])
        let summaries = try store.summary(since: 0, toleranceSeconds: tolerance, intervalSeconds: interval)
        #expect(summaries.map(\.node) == ["node1", "node2"])
        let s = try #require(summaries.last)

        let magnitudes = offsets.map(abs).sorted()
        // p95 by nearest rank: the value at 1-based position ceil(0.95 n).
        var position = 0
        while Double(position) < 0.95 * Double(count) { position += 1 }
        #expect(s.p95OffsetSeconds == magnitudes[position - 1])
        #expect(s.worstOffsetSeconds == magnitudes.last)
        #expect(s.samples == count && s.measured == count)
        #expect(s.secondsOutOfTolerance == Double(magnitudes.filter { $0 > tolerance }.count) * interval)
        var changes: [VerdictChange] = []
        for i in 1..<count where states[i] != states[i - 1] {
            changes.append(VerdictChange(time: Self.t0 + Double(i) * interval, from: states[i - 1], to: states[i]))
        }
        #expect(s.changes == changes)
        #expect(s.lastState == states.last)
        #expect(summaries.first?.measured == 0 && summaries.first?.p95OffsetSeconds == nil, "the reference server has no offset")

        // --node and --since narrow it.
        let late = try store.summary(node: "node2", since: Self.t0 + Double(count / 2) * interval, toleranceSeconds: tolerance, intervalSeconds: interval)
        #expect(late.map(\.samples) == [count - count / 2])
    }

    @Test func rolledUpBucketsCountAtTheirWorstAndByTheirLimits() {
        func point(_ mean: Double, _ low: Double, _ high: Double, count: Int) -> HistoryPoint {
            HistoryPoint(sample: NodeSample(node: "n", time: Self.t0, offsetSeconds: mean, synced: true, reachable: true, state: .ok, reasons: []),
                         offsetMinSeconds: low, offsetMaxSeconds: high, count: count)
        }
        let points = [point(0.01, 0.0, 0.02, count: 10), point(0.2, 0.15, 0.25, count: 10), point(0.05, -0.01, 0.3, count: 10),
                      point(-0.2, -0.3, -0.11, count: 5)]
        let s = NodeHistorySummary.of(node: "n", points: points, toleranceSeconds: 0.1, intervalSeconds: 30)
        #expect(s.samples == 35)
        #expect(s.worstOffsetSeconds == 0.3)
        #expect(s.secondsOutOfTolerance == 15 * 30, "all of buckets 2 and 4; bucket 3 straddles, its mean is inside")
        #expect(s.p95OffsetSeconds == 0.3, "35 samples: rank 34 falls among the 0.3 s ones")
    }

    @Test(arguments: [("90s", 90.0), ("30m", 1800.0), ("24h", 86_400.0), ("7d", 604_800.0), ("1s", 1.0)])
    func windowsParse(text: String, seconds: Double) throws {
        #expect(try HistoryWindow.seconds(text) == seconds)
    }

    @Test(arguments: ["", "24", "h", "0h", "-1h", "1.5h", "24H", "1w", "3651d", "+5m", "1 h", "٣h"])
    func badWindowsAreNamed(text: String) {
        #expect { try HistoryWindow.seconds(text) } throws: { "\($0)".contains("--since") && "\($0)".contains("\"\(text)\"") }
    }
}
