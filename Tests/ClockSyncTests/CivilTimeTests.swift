@testable import ClockSync
import Testing

@Suite struct CivilTimeTests {
    @Test(arguments: [
        ("2025-03-23 14:30:00 +07:00", Int64(1_742_715_000)),
        ("2025-03-23T07:30:00Z", 1_742_715_000),
        ("2025-03-23 07:30:00 UTC", 1_742_715_000),
        ("2024-02-29 00:00:00 -05:30", 1_709_184_600),
        ("1970-01-01 00:00:00 Z", 0),
    ])
    func adminTimesParse(text: String, epoch: Int64) throws {
        #expect(try CivilTime.parseAdminTime(text) == epoch)
    }

    @Test(arguments: ["2025-03-23 14:30:00", "2025-02-30 00:00:00 Z", "2025-03-23 25:00:00 Z", "23.03.2025 14:30 +07:00",
                      "2025-03-23 14:30:00 +7", "tomorrow"])
    func ambiguousOrInvalidTimesAreRefused(text: String) {
        #expect(throws: ParseError.self) { try CivilTime.parseAdminTime(text) }
    }

    @Test func chronyTextRoundTrips() throws {
        #expect(CivilTime.chronyText(epochSeconds: 1_742_715_000) == "Mar 23, 2025 07:30:00")
        for epoch: Int64 in [0, 951_782_400, 1_742_715_000, 4_102_444_799] {
            #expect(try CivilTime.parseChronyText(CivilTime.chronyText(epochSeconds: epoch)) == epoch)
        }
        #expect(throws: ParseError.self) { try CivilTime.parseChronyText("Mar 23 2025 07:30:00") }
    }

    /// The agent died on `time.set_clock` with an extreme `sec`: the conversion must be total.
    @Test(arguments: [Int64.min, Int64.min + 1, -86_401, -1, Int64.max - 1, Int64.max])
    func chronyTextNeverTrapsOnExtremeSeconds(epoch: Int64) {
        let text = CivilTime.chronyText(epochSeconds: epoch)
        #expect(text.split(separator: " ").count == 4, "\(text)")
    }

    @Test func utcTextIsTheISODateAndTheClock() {
        #expect(CivilTime.utcText(epochSeconds: 1_764_637_805) == "2025-12-02 01:10:05 UTC")
        #expect(CivilTime.utcText(epochSeconds: -1) == "1969-12-31 23:59:59 UTC")
        #expect(CivilTime.utcText(epochSeconds: 951_782_400) == "2000-02-29 00:00:00 UTC")
        #expect(CivilTime.utcText(epochSeconds: Int64.min).hasSuffix(" UTC"))
    }

    @Test func chronyTextBeforeTheEpochIsTheRightDay() {
        #expect(CivilTime.chronyText(epochSeconds: -1) == "Dec 31, 1969 23:59:59")
        #expect(CivilTime.chronyText(epochSeconds: -86_400) == "Dec 31, 1969 00:00:00")
    }
}
