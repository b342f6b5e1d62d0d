import Testing
import WireProtocol

/// A probe answer is outside input: whatever timestamps it carries, offset and delay are computed
/// without a trap, and the answers that cannot be true are named.
@Suite struct ClockSampleOverflowTests {
    static let now = Timestamp(seconds: 1_790_000_000, nanoseconds: 0)
    static let later = Timestamp(seconds: 1_790_000_000, nanoseconds: 100_000)

    @Test(arguments: [Int64.max, Int64.min, Int64.max / 2, Int64.min / 3, -1, 0])
    func extremeAgentTimestampsNeverTrap(seconds: Int64) {
        let far = Timestamp(seconds: seconds, nanoseconds: 999_999_999)
        let sample = ClockSample(t1: Self.now, t2: far, t3: far, t4: Self.later)
        #expect(sample.offset.isFinite)
        #expect(sample.delay.isFinite)
        _ = sample.impossibility
        _ = ClockSample.best([sample, sample])
    }

    @Test func timestampsCenturiesAwayAreImpossible() {
        let far = Timestamp(seconds: Int64.max, nanoseconds: 0)
        let sample = ClockSample(t1: Self.now, t2: far, t3: far, t4: Self.later)
        #expect(sample.impossibility?.contains("292 years") == true)
        #expect(sample.offset > 1e18, "still the right sign and size: \(sample.offset)")
    }

    @Test func sendBeforeReceiveIsImpossible() {
        let t2 = Timestamp(seconds: 1_790_000_000, nanoseconds: 60_000)
        let t3 = Timestamp(seconds: 1_790_000_000, nanoseconds: 50_000)
        let sample = ClockSample(t1: Self.now, t2: t2, t3: t3, t4: Self.later)
        #expect(sample.impossibility?.contains("before its receive time") == true)
    }

    @Test func agentTimeLongerThanTheRoundTripIsImpossible() {
        let t2 = Timestamp(seconds: 1_790_000_000, nanoseconds: 0)
        let t3 = Timestamp(seconds: 1_790_000_001, nanoseconds: 0)
        let sample = ClockSample(t1: Self.now, t2: t2, t3: t3, t4: Self.later)
        #expect(sample.impossibility?.contains("exceeds the whole round trip") == true)
    }

    @Test func aTrueSampleHasNoImpossibility() {
        let t2 = Timestamp(seconds: 1_790_000_002, nanoseconds: 40_000)
        let t3 = Timestamp(seconds: 1_790_000_002, nanoseconds: 60_000)
        #expect(ClockSample(t1: Self.now, t2: t2, t3: t3, t4: Self.later).impossibility == nil)
    }

    @Test(arguments: [(Int64.max, Int64.min), (Int64.min, Int64.max), (Int64.max, Int64(-1))] as [(Int64, Int64)])
    func nanosecondsBetweenReportsOverflowAsNil(a: Int64, b: Int64) {
        #expect(Timestamp.nanosecondsBetween(Timestamp(seconds: a, nanoseconds: 0), Timestamp(seconds: b, nanoseconds: 0)) == nil)
    }
}
