import Testing
import WireProtocol

@Suite struct ClockSampleTests {
    let base = Timestamp(seconds: 1_790_000_000, nanoseconds: 999_999_900)

    func at(_ nanoseconds: Int64) -> Timestamp {
        let total = Int64(base.nanoseconds) + nanoseconds
        return Timestamp(seconds: base.seconds + total / 1_000_000_000, nanoseconds: Int32(total % 1_000_000_000))
    }

    /// Agent 2.5 s ahead, 50 µs each way, 20 µs inside the agent: exact to the nanosecond.
    @Test func offsetAndDelayOfASymmetricPath() {
        let ahead: Int64 = 2_500_000_000
        let sample = ClockSample(t1: at(0), t2: at(50_000 + ahead), t3: at(70_000 + ahead), t4: at(120_000))
        #expect(sample.offset == 2.5)
        #expect(sample.delay == 0.0001)
    }

    @Test func agentBehindIsNegative() {
        let sample = ClockSample(t1: at(0), t2: at(10_000 - 1_000_000), t3: at(10_000 - 1_000_000), t4: at(20_000))
        #expect(sample.offset == -0.001)
    }

    @Test func bestIsTheSmallestDelay() {
        let slow = ClockSample(t1: at(0), t2: at(400_000), t3: at(400_000), t4: at(900_000))
        let fast = ClockSample(t1: at(0), t2: at(30_000), t3: at(30_000), t4: at(60_000))
        #expect(ClockSample.best([slow, fast, slow]) == fast)
        #expect(ClockSample.best([]) == nil)
    }

    /// Version 2 only: version 1's chrony.apply took chrony.conf text and is not served.
    @Test(arguments: [([1, 2], 2), ([2, 3], 2), ([3], nil), ([], nil), ([1], nil)] as [([Int], Int?)])
    func versionNegotiation(offered: [Int], expected: Int?) {
        #expect(ProtocolVersion.negotiate(offered: offered) == expected)
    }
}
