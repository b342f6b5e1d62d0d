import Synchronization

/// At most one log line per kind of event per interval, with the count of the ones held back:
/// a flood (EMFILE, refused connections) must not turn into hundreds of thousands of lines.
final class LogThrottle: Sendable {
    struct Entry { var last: ContinuousClock.Instant; var suppressed: Int }

    let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(interval: Duration = .seconds(10)) { self.interval = interval }

    /// Logs `message` unless a line of the same `kind` went out within the interval.
    func log(_ kind: String, _ message: @autoclosure () -> String, to sink: (String) -> Void) {
        let now = ContinuousClock.now
        let held: Int? = entries.withLock { entries in
            if var entry = entries[kind], now - entry.last < interval {
                entry.suppressed += 1
                entries[kind] = entry
                return nil
            }
            let held = entries[kind]?.suppressed ?? 0
            entries[kind] = Entry(last: now, suppressed: 0)
            return held
        }
        guard let held else { return }
        sink(held == 0 ? message() : "\(message()) (and \(held) more like it in the last \(interval))")
    }
}
