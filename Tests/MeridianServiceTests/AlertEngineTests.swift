import MeridianService
import Testing

/// The engine's rules on tables of states: one node, one survey every 30 minutes (survey N at
/// (N-1) × 1800 s), reminders every hour. Each expected event reads `KIND FROM>TO @N`
/// (+ ` recovery`), N the 1-based survey that fired it.
@Suite struct AlertEngineTests {
    static func run(_ states: [AlertState], repeatHours: Double = 1, restoring events: [AlertEvent] = []) -> [String] {
        var engine = AlertEngine(cluster: "lab", repeatSeconds: repeatHours * 3600)
        engine.restore(from: events)
        var fired: [String] = []
        for (index, state) in states.enumerated() {
            let events = engine.observe([.init(node: "node2", state: state, reasons: ["node2: \(state) reason"])], at: Double(index) * 1800)
            fired += events.map { "\($0.kind.rawValue) \($0.from)>\($0.to) @\(index + 1)" + ($0.isRecovery ? " recovery" : "") }
        }
        return fired
    }

    @Test(arguments: [
        // Baseline: the first survey never fires; ok stays silent.
        ([AlertState.ok, .ok, .ok], [String]()),
        ([.critical], []),
        // Started while critical: told after the second survey, from the implicit ok.
        ([.critical, .critical], ["verdict_changed ok>critical @2"]),
        // Flapping never fires.
        ([.ok, .critical, .ok, .critical, .ok, .critical], []),
        ([.ok, .critical, .warning, .critical, .warning], []),
        // A change held twice fires once; the recovery held twice fires once.
        ([.ok, .critical, .critical, .critical, .ok, .ok, .ok], ["verdict_changed ok>critical @3", "verdict_changed critical>ok @6 recovery"]),
        // One survey of ok inside a critical spell neither recovers nor re-fires (the reminder
        // an hour after the change still comes).
        ([.ok, .critical, .critical, .ok, .critical], ["verdict_changed ok>critical @3", "reminder critical>critical @5"]),
        ([.ok, .critical, .critical, .ok], ["verdict_changed ok>critical @3"]),
        // Worse, then unreachable: each held change fires.
        ([.ok, .warning, .warning, .critical, .critical, .unreachable, .unreachable],
         ["verdict_changed ok>warning @3", "verdict_changed warning>critical @5", "verdict_changed critical>unreachable @7"]),
        // Reminders every hour while the state holds: change at 1800 s, reminders at 5400 s and 9000 s.
        ([.critical, .critical, .critical, .critical, .critical, .critical],
         ["verdict_changed ok>critical @2", "reminder critical>critical @4", "reminder critical>critical @6"]),
        // No reminder once recovered; a new change restarts the clock.
        ([.ok, .warning, .warning, .warning, .ok, .ok, .ok, .ok],
         ["verdict_changed ok>warning @3", "verdict_changed warning>ok @6 recovery"]),
        // A survey that disagrees postpones the reminder to the next agreeing one.
        ([.ok, .critical, .critical, .critical, .warning, .critical, .critical],
         ["verdict_changed ok>critical @3", "reminder critical>critical @6"]),
    ])
    func sequences(states: [AlertState], expected: [String]) {
        #expect(Self.run(states) == expected)
    }

    @Test func remindersFollowRepeatHours() {
        let states = [AlertState](repeating: .critical, count: 12)
        #expect(Self.run(states, repeatHours: 2).filter { $0.hasPrefix("reminder") } == ["reminder critical>critical @6", "reminder critical>critical @10"])
        #expect(Self.run(states, repeatHours: 100).filter { $0.hasPrefix("reminder") } == [])
    }

    /// After a restart the stored events say what was told: no second alert for the same
    /// spell, and the reminder keeps its schedule; a recovery is still told.
    @Test func restoredEventsCarryOverARestart() {
        let told = AlertEvent(id: 7, kind: .verdictChanged, cluster: "lab", node: "node2", from: .ok, to: .critical, reasons: [], time: -1800)
        #expect(Self.run([.critical, .critical, .critical], restoring: [told]) == ["reminder critical>critical @2"])
        #expect(Self.run([.ok, .ok], restoring: [told]) == ["verdict_changed critical>ok @2 recovery"])
        let otherCluster = AlertEvent(kind: .verdictChanged, cluster: "other", node: "node2", from: .ok, to: .critical, reasons: [], time: 0)
        #expect(Self.run([.ok, .ok], restoring: [otherCluster]) == [])
        let recovered = AlertEvent(id: 9, kind: .verdictChanged, cluster: "lab", node: "node2", from: .critical, to: .ok, reasons: [], time: -60)
        #expect(Self.run([.ok, .ok], restoring: [recovered, told]) == [], "the newest stored event wins, whatever the order given")
    }

    /// The cluster and each node are judged apart; the cluster's event comes first.
    @Test func subjectsAreIndependentAndTheClusterComesFirst() {
        var engine = AlertEngine(cluster: "lab", repeatSeconds: 3600)
        let bad: [AlertEngine.Observation] = [.init(node: "node1", state: .ok), .init(node: "node2", state: .critical, reasons: ["node2: 1.020 s fast"]),
                                              .init(node: nil, state: .critical, reasons: ["node2: 1.020 s fast"])]
        #expect(engine.observe(bad, at: 0).isEmpty)
        let events = engine.observe(bad, at: 30)
        #expect(events.map { $0.node ?? "cluster" } == ["cluster", "node2"])
        #expect(events.allSatisfy { $0.kind == .verdictChanged && $0.from == .ok && $0.to == .critical && $0.time == 30 && $0.cluster == "lab" })
        #expect(events.last?.reasons == ["node2: 1.020 s fast"])
        #expect(engine.reported("node2") == .critical && engine.reported("node1") == .ok && engine.reported(nil) == .critical)
        // node2 leaves the survey (removed from the cluster file): nothing fires for it.
        #expect(engine.observe([.init(node: "node1", state: .ok), .init(node: nil, state: .ok)], at: 60).isEmpty)
        #expect(engine.observe([.init(node: "node1", state: .ok), .init(node: nil, state: .ok)], at: 90).map { $0.node ?? "cluster" } == ["cluster"])
    }
}
