@testable import Coordinator
@testable import MeridianService
import Testing
import TestSupport

@Suite struct StatusPageTests {
    static let now = MonitoringFixture.time

    /// node1 the flat zero line, node2 a slow wave inside the band, node3 2.5 s fast with a
    /// 10-minute hole (its agent down) in the middle.
    static func series() -> [OffsetChart.Series] {
        let times = stride(from: now - 3600, through: now, by: 30).map { $0 }
        return [
            OffsetChart.Series(node: "node1", state: .ok, isTimeServer: true, points: times.map { .init(time: $0, offset: 0) }),
            OffsetChart.Series(node: "node2", state: .ok, isTimeServer: false,
                               points: times.enumerated().map { .init(time: $1, offset: Double($0 % 40 - 20) * 0.0005) }),
            OffsetChart.Series(node: "node3", state: .critical, isTimeServer: false,
                               points: times.filter { $0 < now - 2400 || $0 > now - 1800 }.map { .init(time: $0, offset: 2.5) }),
        ]
    }

    @Test func chartRendersAsTheGoldenFile() throws {
        try MonitoringFixture.golden(OffsetChart.render(Self.series(), window: .hour, now: Self.now, toleranceSeconds: 0.05), "chart-hour.svg")
    }

    @Test func weekChartOfTheSameSeriesIsItsOwnGoldenFile() throws {
        try MonitoringFixture.golden(OffsetChart.render(Self.series(), window: .week, now: Self.now, toleranceSeconds: 0.05), "chart-week.svg")
    }

    @Test func eachNodeIsOneLineAndAGapBreaksIt() {
        let svg = OffsetChart.render(Self.series(), window: .hour, now: Self.now, toleranceSeconds: 0.05)
        for node in ["node1", "node2", "node3"] { #expect(svg.contains(#"data-node="\#(node)""#)) }
        let node3 = svg.split(separator: "\n").first { $0.contains(#"data-node="node3""#) } ?? ""
        #expect(node3.filter { $0 == "M" }.count == 2, "the 10-minute hole splits node3's line in two")
        #expect(node3.contains("node-line critical"))
    }

    @Test(arguments: [(0.05 * 1.5, 0.1), (2.75, 5.0), (0.0001, 0.0001), (0.00011, 0.0002), (0.0, 0.000001), (Double.nan, 0.000001)])
    func axisLimitIsARoundNumber(value: Double, limit: Double) {
        #expect(abs(OffsetChart.niceLimit(value) - limit) < limit * 1e-9)
    }

    static func model(events: [AlertEvent] = []) throws -> StatusPage.Model {
        let snapshot = try MonitoringFixture.snapshot()
        let chart = OffsetChart.render(Self.series(), window: .hour, now: Self.now, toleranceSeconds: 0.05)
        return StatusPage.Model(snapshot, clusterName: "lab", events: events, chart: chart, window: .hour, now: Self.now + 12, refreshSeconds: 30)
    }

    @Test func pageRendersAsTheGoldenFile() throws {
        let events = [AlertEvent(id: 2, kind: .verdictChanged, cluster: "lab", node: "node3", from: .ok, to: .critical,
                                 reasons: ["node3 is 2.500 s fast of node1"], time: Self.now - 300)]
        try MonitoringFixture.golden(StatusPage.render(try Self.model(events: events)), "page.html")
    }

    @Test func pageHasTheStatusTableColumnsAndEveryNodeMarked() throws {
        let html = StatusPage.render(try Self.model())
        for column in ["NODE", "ROLE", "SOURCE", "STATE", "CHRONY", "MEASURED", "STRAT", "LEAP", "TZ", "VERDICT"] {
            #expect(html.contains("<th>\(column)</th>"))
        }
        #expect(html.contains(#"<tr class="node critical" data-node="node3" data-verdict="critical">"#))
        #expect(html.contains(#"<tr class="node unreachable" data-node="node4""#))
        #expect(html.contains(#"id="cluster-verdict" class="verdict critical""#))
        #expect(html.contains(#"<meta name="viewport""#) && html.contains(#"http-equiv="refresh""#))
        #expect(!html.contains("http://") || html.contains(#"xmlns="http://www.w3.org/2000/svg""#), "no outside asset")
        #expect(!html.contains("<script") && !html.contains("src="), "self-contained: no script, no outside asset")
    }

    @Test(arguments: ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "a & b ' c", "esc\u{1B}[2J"])
    func outsideTextIsEscaped(hostile: String) throws {
        let event = AlertEvent(id: 1, kind: .verdictChanged, cluster: hostile, node: hostile, from: .ok, to: .warning, reasons: [hostile], time: Self.now)
        var model = try Self.model(events: [event])
        model.cluster = hostile
        model.reasons = [hostile]
        let html = StatusPage.render(model)
        #expect(!html.contains(hostile))
        #expect(html.contains(HTMLText.escaped(hostile)))
        #expect(!html.contains("<img") && !html.contains("<script") && !html.contains("\u{1B}"))
    }
}
