@testable import ClockSync
import Testing

/// `chronyc -c -m tracking sources sourcestats authdata ntpdata` split back into its reports.
@Suite struct ChronycBatchTests {
    /// A real capture (Fixtures/chrony/batch-*): the split gives back each report, each parses,
    /// and together they are the whole output, in order.
    @Test(arguments: ["batch-client-auth", "batch-server-local"])
    func capturedBatchSplits(state: String) throws {
        let text = try fixture("chrony/\(state)/batch.csv")
        let sections = try #require(ChronycBatch.split(text))
        #expect(sections.tracking + sections.sources + sections.sourcestats + sections.authdata + sections.ntpdata == text)
        _ = try ChronyTracking(csv: sections.tracking)
        let sources = try ChronySources.parse(csv: sections.sources).sources
        #expect(sections.sourcestats.split(separator: "\n").count == sources.count)
        let ntp = sources.filter { $0.mode != .referenceClock }.count
        #expect(sections.authdata.split(separator: "\n").count == ntp)
        #expect(sections.ntpdata.split(separator: "\n").count == ntp)
    }

    /// Reports assembled from the single-report fixtures: two sources, one a reference clock, so
    /// authdata and ntpdata have one line fewer than sources and sourcestats.
    @Test func referenceClocksAreNotInAuthdataOrNtpdata() throws {
        let tracking = try fixture("chrony/client-auth-ok/tracking.csv")
        let ntp = try fixture("chrony/client-auth-ok/sources.csv").split(separator: "\n")[0]
        let sources = "\(ntp)\n#,*,PPS0,0,4,377,3,0.000000100,0.000000100,0.000000200\n"
        let stats = "127.0.0.2,10,7,3,0.023,1.672,0.000000007,0.000001181\nPPS0,8,4,120,0.001,0.010,0.000000001,0.000000050\n"
        let auth = String(try fixture("chrony/client-auth-ok/authdata.csv").split(separator: "\n")[0]) + "\n"
        let data = String(try fixture("chrony/client-auth-ok/ntpdata.csv").split(separator: "\n")[0]) + "\n"
        let sections = try #require(ChronycBatch.split(tracking + sources + stats + auth + data))
        #expect(sections.sources == sources)
        #expect(sections.sourcestats == stats)
        #expect(sections.authdata == auth)
        #expect(sections.ntpdata == data)
        // Without the reference clock's exclusion the count would not add up.
        #expect(ChronycBatch.split(tracking + sources + stats + auth + auth + data + data) == nil)
    }

    /// Any other shape is refused (the agent then asks each report on its own).
    @Test func otherShapesAreRefused() throws {
        let text = try fixture("chrony/batch-client-auth/batch.csv")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(ChronycBatch.split(lines.dropLast().map { $0 + "\n" }.joined()) == nil)
        #expect(ChronycBatch.split(text + lines[lines.count - 1] + "\n") == nil)
        #expect(ChronycBatch.split("") == nil)
        #expect(ChronycBatch.split("506 Cannot talk to daemon\n") == nil)
        for bad in malformedInputs { #expect(ChronycBatch.split(bad) == nil) }
        // sourcestats replaced by a sources-shaped line: refused, not misread.
        let tracking = try fixture("chrony/client-synced/tracking.csv"), sources = try fixture("chrony/client-synced/sources.csv")
        #expect(ChronycBatch.split(tracking + sources + sources + "a,b\na,b\n") == nil)
    }

    /// No sources at all (a server on its local clock with nothing configured): tracking only.
    @Test func trackingAlone() throws {
        let tracking = try fixture("chrony/server-local/tracking.csv")
        let sections = try #require(ChronycBatch.split(tracking))
        #expect(sections.tracking == tracking)
        #expect(sections.sources.isEmpty && sections.sourcestats.isEmpty && sections.authdata.isEmpty && sections.ntpdata.isEmpty)
    }
}
