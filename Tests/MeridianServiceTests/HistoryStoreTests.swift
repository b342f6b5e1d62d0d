import TestSupport
import MeridianService
import Testing

@Suite(.offPool) struct HistoryStoreTests {
    @Test func samplesAndEventsComeBackAsStored() throws {
        let dir = try TemporaryDirectory()
        let store = try HistoryStore(path: dir.path + "/history.db")
        let sample = NodeSample(node: "node2", time: 1000, offsetSeconds: 1.02, chronyOffsetSeconds: -0.001, rootDelaySeconds: 0.0002,
                                rootDispersionSeconds: 0.001, stratum: 11, source: "10.0.0.1", synced: true, reachable: true,
                                state: .critical, reasons: ["node2 is 1.02 s fast"])
        try store.record([sample, NodeSample(node: "node1", time: 1000, synced: true, reachable: true, state: .ok, reasons: [])])
        let points = try store.points(node: "node2", since: 0)
        #expect(points.map(\.sample) == [sample])
        #expect(try store.points(node: "node2", since: 1001).isEmpty)
        let event = try store.record(AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node2", from: .ok, to: .critical,
                                                reasons: ["x"], time: 1000))
        #expect(event.id > 0)
        #expect(try store.events(since: 0) == [event])
    }
}
