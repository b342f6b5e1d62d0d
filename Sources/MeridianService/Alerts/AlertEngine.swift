/// Turns a sequence of surveys into alert events. Pure: no I/O and no clock — the time comes in
/// with each survey — so every rule below is tested on tables of states.
///
/// Rules, per subject (each node, and the cluster as `node == nil`):
/// - **Hysteresis:** a new state fires only once it held for two consecutive surveys
///   (ok → critical → ok → critical never fires). The event carries the second survey's reasons
///   and time.
/// - **Start:** every subject starts from an implicit, already reported "ok" (or from what the
///   last stored event said, see `restore`). The first survey after start therefore never fires
///   (nothing held twice yet): an ok cluster stays silent, and a service that starts while a
///   node is critical tells — `ok → critical` after the second survey, like any change. Starting
///   from "unknown" would have made the first event read `unknown → critical`, which looks like
///   a verdict of its own; an implicit ok says "not reported yet" the way an admin reads it.
/// - **Reminder:** while the reported state is not ok and the survey agrees, a `reminder` every
///   `repeatSeconds` after the change (or the last reminder).
/// - **Recovery:** a change to ok is a `verdict_changed` event with `recovery: true`.
/// A subject missing from a survey (a node removed from the cluster file) keeps its state and
/// fires nothing.
public struct AlertEngine: Sendable {
    /// One subject's state in one survey.
    public struct Observation: Sendable, Equatable {
        /// nil for the whole cluster.
        public var node: String?
        public var state: AlertState
        public var reasons: [String]

        public init(node: String?, state: AlertState, reasons: [String] = []) {
            self.node = node; self.state = state; self.reasons = reasons
        }
    }

    struct Track: Sendable, Equatable {
        /// The state the last event reported (or the baseline).
        var reported: AlertState = .ok
        /// A different state seen in the last survey, waiting for its second.
        var pending: AlertState?
        /// When the reported not-ok state was last told (change or reminder).
        var lastTold: Double?
    }

    public let cluster: String
    public let repeatSeconds: Double
    private var tracks: [String?: Track] = [:]

    public init(cluster: String, repeatSeconds: Double) {
        self.cluster = cluster
        self.repeatSeconds = repeatSeconds
    }

    /// Takes up where a previous run left off: `events` are stored events (any order); the newest
    /// per subject sets what was reported and when, so a restart neither repeats an alert nor
    /// delays its reminder.
    public mutating func restore(from events: [AlertEvent]) {
        for event in events.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) }) where event.cluster == cluster {
            tracks[event.node] = Track(reported: event.to, pending: nil, lastTold: event.to.isOK ? nil : event.time)
        }
    }

    /// The state reported for `node` (nil: the cluster) so far.
    public func reported(_ node: String?) -> AlertState { tracks[node]?.reported ?? .ok }

    /// One survey: the events it fires, the cluster's first, then the nodes' in survey order.
    public mutating func observe(_ observations: [Observation], at time: Double) -> [AlertEvent] {
        let ordered = observations.filter { $0.node == nil } + observations.filter { $0.node != nil }
        var events: [AlertEvent] = []
        for observation in ordered {
            var track = tracks[observation.node] ?? Track()
            if let event = step(&track, observation, time) { events.append(event) }
            tracks[observation.node] = track
        }
        return events
    }

    private func step(_ track: inout Track, _ observation: Observation, _ time: Double) -> AlertEvent? {
        let state = observation.state
        func event(_ kind: AlertEvent.Kind, from: AlertState) -> AlertEvent {
            AlertEvent(kind: kind, cluster: cluster, node: observation.node, from: from, to: state,
                       reasons: observation.reasons, time: time)
        }
        if state == track.reported {
            track.pending = nil
            guard !state.isOK, let told = track.lastTold, time - told >= repeatSeconds else { return nil }
            track.lastTold = time
            return event(.reminder, from: state)
        }
        guard track.pending == state else {
            track.pending = state
            return nil
        }
        let from = track.reported
        track = Track(reported: state, pending: nil, lastTold: state.isOK ? nil : time)
        return event(.verdictChanged, from: from)
    }
}
