import Synchronization

/// The survey-duration histogram of a running service: fed by every snapshot the watch loop
/// publishes, read by `/metrics` and the textfile.
public final class SurveyDurations: Sendable {
    private let histogram = Mutex(SurveyHistogram())
    private let token = Mutex<UInt64?>(nil)
    private let state: ServiceState?

    /// Observes `state`'s snapshots until `stop()`; nil: fed by `observe` alone (tests).
    public init(state: ServiceState?) {
        self.state = state
        guard let state else { return }
        let registered = state.observeSnapshots { [weak self] snapshot in self?.observe(snapshot.durationSeconds) }
        token.withLock { $0 = registered }
    }

    public func observe(_ seconds: Double) { histogram.withLock { $0.observe(seconds) } }

    public var current: SurveyHistogram { histogram.withLock { $0 } }

    public func stop() {
        if let registered = token.withLock({ value -> UInt64? in defer { value = nil }; return value }) { state?.stopObserving(registered) }
    }
}
