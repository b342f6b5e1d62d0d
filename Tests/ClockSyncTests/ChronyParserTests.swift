@testable import ClockSync
import Testing

@Suite struct ChronyParserTests {
    /// Every captured state parses, and each field the verdicts use has its captured value.
    @Test(arguments: [
        ("server-local", "7F7F0101", 10, ChronyTracking.LeapStatus.normal, 0),
        ("client-unsynced", "00000000", 0, .notSynchronised, 1),
        ("client-synced", "7F000002", 11, .normal, 1),
        ("client-fast-2.5s", "7F000002", 11, .normal, 1),
        ("client-unreachable", "00000000", 0, .notSynchronised, 1),
    ])
    func capturedStatesParse(state: String, referenceID: String, stratum: Int, leap: ChronyTracking.LeapStatus, sources: Int) throws {
        let tracking = try ChronyTracking(csv: try fixture("chrony/\(state)/tracking.csv"))
        #expect(tracking.referenceID == referenceID)
        #expect(tracking.stratum == stratum)
        #expect(tracking.leapStatus == leap)
        #expect(try ChronySources.parse(csv: try fixture("chrony/\(state)/sources.csv")).sources.count == sources)
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
        let tracking = try ChronyTracking(csv: try fixture("chrony/client-unreachable/tracking.csv"))
        #expect(!tracking.isSynchronised)
    }

    @Test(arguments: malformedInputs + [
        "7F000002,127.0.0.2,11,1.0,x,0,0,0,0,0,0,0,0,Normal",
        "7F000002,127.0.0.2,11,1.0,0,0,0,0,0,0,0,0,0,Sideways",
        "XYZ,127.0.0.2,11,1.0,0,0,0,0,0,0,0,0,0,Normal",
    ])
    func trackingRejectsMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try ChronyTracking(csv: text) }
    }

    @Test(arguments: malformedInputs.filter { !$0.trimmingWhitespace.isEmpty && $0 != "\n\n" } + [
        "^,*,127.0.0.2,10,-2,999,0,0,0,0",
        "!,*,127.0.0.2,10,-2,377,0,0,0,0",
        "^,Q,127.0.0.2,10,-2,377,0,0,0,0",
        "^,*,127.0.0.2,10,-2,377,0,0,0",
    ])
    func sourcesRejectMalformedInput(text: String) {
        #expect(throws: ParseError.self) { try ChronySources.parse(csv: text) }
    }

    @Test func errorsSayWhatWasExpected() {
        let error = #expect(throws: ParseError.self) { try ChronyTracking(csv: "7F000002,127.0.0.2,11") }
        #expect(error?.description == "chronyc -c tracking, line 1: expected 14 fields, found 3")
    }
}
