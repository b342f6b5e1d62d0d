@testable import ClockSync
import Testing

@Suite struct ChronyParserTests {
    static let states = ["server-local", "client-unsynced", "client-synced", "client-fast-2.5s", "client-unreachable"]

    @Test(arguments: states)
    func csvAndTextFormsAgree(state: String) throws {
        let csv = try ChronyTracking(csv: try fixture("chrony/\(state)/tracking.csv"))
        let text = try ChronyTracking(text: try fixture("chrony/\(state)/tracking.txt"))
        #expect(csv.referenceID == text.referenceID)
        #expect(csv.referenceName == text.referenceName)
        #expect(csv.stratum == text.stratum)
        #expect(csv.leapStatus == text.leapStatus)
        #expect(abs(csv.offsetSeconds - text.offsetSeconds) < 0.01, "captured a moment apart, same sign and size")
        let csvSources = try ChronySources.parse(csv: try fixture("chrony/\(state)/sources.csv"))
        let textSources = try ChronySources.parse(text: try fixture("chrony/\(state)/sources.txt"))
        #expect(csvSources.sources.map(\.address) == textSources.sources.map(\.address))
        #expect(csvSources.sources.map(\.state) == textSources.sources.map(\.state))
        #expect(csvSources.sources.map(\.reach) == textSources.sources.map(\.reach))
        _ = try ChronySourceStats.parse(csv: try fixture("chrony/\(state)/sourcestats.csv"))
    }

    @Test func serverOnItsLocalClock() throws {
        let tracking = try ChronyTracking(csv: try fixture("chrony/server-local/tracking.csv"))
        #expect(tracking.isLocalReference)
        #expect(tracking.stratum == 10)
        #expect(tracking.referenceName == "")
        #expect(tracking.leapStatus == .normal)
        #expect(try ChronySources.parse(csv: try fixture("chrony/server-local/sources.csv")).sources.isEmpty)
    }

    @Test func fastClientIsPositiveAhead() throws {
        let csv = try ChronyTracking(csv: try fixture("chrony/client-fast-2.5s/tracking.csv"))
        #expect(csv.offsetSeconds > 2.49 && csv.offsetSeconds < 2.51, "CSV field 5 is negative when fast")
        let text = try ChronyTracking(text: try fixture("chrony/client-fast-2.5s/tracking.txt"))
        #expect(text.offsetSeconds > 2.49, "\"seconds fast of NTP time\"")
        #expect(csv.referenceName == "127.0.0.2")
        #expect(csv.stratum == 11)
    }

    @Test func syncedClientSelectedTheServer() throws {
        let sources = try ChronySources.parse(csv: try fixture("chrony/client-synced/sources.csv"))
        let selected = try #require(sources.selected)
        #expect(selected.address == "127.0.0.2")
        #expect(selected.mode == .server)
        #expect(selected.stratum == 10)
        #expect(selected.reach == 0o377)
        #expect(!selected.neverHeard)
    }

    @Test func unreachableServerIsNeverHeard() throws {
        let sources = try ChronySources.parse(csv: try fixture("chrony/client-unreachable/sources.csv"))
        let source = try #require(sources.sources.first)
        #expect(source.address == "127.0.0.9")
        #expect(source.lastRxSeconds == nil, "4294967295 means never")
        #expect(source.reach == 0)
        #expect(source.neverHeard)
        #expect(source.state == .unusable)
        let text = try ChronySources.parse(text: try fixture("chrony/client-unreachable/sources.txt"))
        #expect(text.sources.first?.lastRxSeconds == nil)
        let tracking = try ChronyTracking(csv: try fixture("chrony/client-unreachable/tracking.csv"))
        #expect(!tracking.isSynchronised)
    }

    @Test func humanUnitsAreScaled() throws {
        let text = """
        MS Name/IP address         Stratum Poll Reach LastRx Last sample
        ===============================================================================
        ^* 192.168.1.10                 10   6   377    34   -12us[  -15us] +/-  350us
        ^- 192.168.1.11                 10   6    17    3m  +1.5ms[ +1.5ms] +/-   20ms
        """
        let sources = try ChronySources.parse(text: text)
        #expect(sources.sources[0].adjustedOffsetSeconds == -12e-6)
        #expect(sources.sources[0].errorSeconds == 350e-6)
        #expect(sources.sources[1].lastRxSeconds == 180)
        #expect(sources.sources[1].reach == 0o17)
        #expect(sources.sources[1].state == .notCombined)
    }

    @Test(arguments: malformedInputs + [
        "7F000002,127.0.0.2,11,1.0,x,0,0,0,0,0,0,0,0,Normal",
        "7F000002,127.0.0.2,11,1.0,0,0,0,0,0,0,0,0,0,Sideways",
        "XYZ,127.0.0.2,11,1.0,0,0,0,0,0,0,0,0,0,Normal",
    ])
    func trackingRejectsMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try ChronyTracking(csv: text) }
        #expect(throws: ParseError.self) { try ChronyTracking(text: text) }
    }

    @Test(arguments: malformedInputs.filter { !$0.trimmingWhitespace.isEmpty && $0 != "\n\n" } + [
        "^,*,127.0.0.2,10,-2,999,0,0,0,0",
        "!,*,127.0.0.2,10,-2,377,0,0,0,0",
        "^,Q,127.0.0.2,10,-2,377,0,0,0,0",
        "^,*,127.0.0.2,10,-2,377,0,0,0",
    ])
    func sourcesRejectMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try ChronySources.parse(csv: text) }
        #expect(throws: ParseError.self) { try ChronySources.parse(text: text) }
        #expect(throws: ParseError.self) { try ChronySourceStats.parse(csv: text) }
    }

    @Test func errorsSayWhatWasExpected() {
        let error = #expect(throws: ParseError.self) { try ChronyTracking(csv: "7F000002,127.0.0.2,11") }
        #expect(error?.description == "chronyc -c tracking, line 1: expected 14 fields, found 3")
    }
}
