/// A point on a node's real-time clock, at nanosecond resolution (JSON: `{"sec": …, "nsec": …}`).
public struct Timestamp: Sendable, Hashable, Comparable, Codable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    enum CodingKeys: String, CodingKey {
        case seconds = "sec"
        case nanoseconds = "nsec"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seconds = try container.decode(Int64.self, forKey: .seconds)
        nanoseconds = try container.decode(Int32.self, forKey: .nanoseconds)
        guard (0..<1_000_000_000).contains(nanoseconds) else {
            throw DecodingError.dataCorruptedError(forKey: .nanoseconds, in: container, debugDescription: "must be 0…999999999")
        }
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// The clock values an agent accepts to set (2000-01-01 to 2200-01-01, UTC): anything else is a
    /// mistake, and keeping to it keeps every calendar and nanosecond computation far from overflow.
    public static let settableSeconds: ClosedRange<Int64> = 946_684_800...7_258_118_400

    /// Nanoseconds from `b` to `a`, exact (a Double of epoch seconds would lose the nanoseconds);
    /// nil when the difference does not fit in 64 bits (about 292 years), which only a broken or
    /// hostile peer can produce.
    public static func nanosecondsBetween(_ a: Timestamp, _ b: Timestamp) -> Int64? {
        let (seconds, overflow) = a.seconds.subtractingReportingOverflow(b.seconds)
        guard !overflow else { return nil }
        let (scaled, overflow2) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow2 else { return nil }
        let (total, overflow3) = scaled.addingReportingOverflow(Int64(a.nanoseconds) - Int64(b.nanoseconds))
        return overflow3 ? nil : total
    }

    /// `a - b` in seconds, for any two timestamps: exact to the nanosecond while the difference fits
    /// in 64 bits of nanoseconds, otherwise the nearest Double (never a trap).
    public static func - (a: Timestamp, b: Timestamp) -> Double {
        if let nanoseconds = nanosecondsBetween(a, b) { return Double(nanoseconds) / 1e9 }
        return (Double(a.seconds) - Double(b.seconds)) + Double(Int64(a.nanoseconds) - Int64(b.nanoseconds)) / 1e9
    }

    public var asDouble: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}

extension Timestamp: CustomStringConvertible {
    /// `1742715000.000000123`: seconds since the epoch, as on the wire.
    public var description: String {
        let digits = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: max(0, 9 - digits.count)))\(digits)"
    }
}

/// One NTP-style exchange: t1 client send, t2 agent receive, t3 agent send, t4 client receive.
///
/// The arithmetic is total: timestamps from a peer may be anything, and a bad answer must fail
/// that peer's measurement, not the process (`validate()` says which answers cannot be true).
public struct ClockSample: Sendable, Equatable {
    public var t1: Timestamp
    public var t2: Timestamp
    public var t3: Timestamp
    public var t4: Timestamp

    public init(t1: Timestamp, t2: Timestamp, t3: Timestamp, t4: Timestamp) {
        self.t1 = t1
        self.t2 = t2
        self.t3 = t3
        self.t4 = t4
    }

    /// The agent's clock minus ours, in seconds: positive when the agent is ahead.
    public var offset: Double {
        if let a = Timestamp.nanosecondsBetween(t2, t1), let b = Timestamp.nanosecondsBetween(t3, t4) {
            let (sum, overflow) = a.addingReportingOverflow(b)
            if !overflow { return Double(sum) / 2e9 }
        }
        return ((t2 - t1) + (t3 - t4)) / 2
    }

    /// Round-trip time on the wire, less the agent's own processing time.
    public var delay: Double {
        if let a = Timestamp.nanosecondsBetween(t4, t1), let b = Timestamp.nanosecondsBetween(t3, t2) {
            let (difference, overflow) = a.subtractingReportingOverflow(b)
            if !overflow { return Double(difference) / 1e9 }
        }
        return (t4 - t1) - (t3 - t2)
    }

    /// Why this exchange cannot be true, or nil when it can: the agent cannot send before it
    /// received, and our own clock cannot have gone backwards between t1 and t4.
    public var impossibility: String? {
        if t3 < t2 { return "the agent's send time \(t3) is before its receive time \(t2)" }
        if t4 < t1 { return "our receive time \(t4) is before our send time \(t1) (our clock stepped back)" }
        guard Timestamp.nanosecondsBetween(t2, t1) != nil, Timestamp.nanosecondsBetween(t3, t4) != nil else {
            return "the agent's timestamps \(t2) and \(t3) are more than 292 years from our clock"
        }
        if delay < 0 { return "the agent's time between receive and send exceeds the whole round trip" }
        return nil
    }

    /// The sample with the smallest delay: its offset has the smallest error bound (delay / 2).
    public static func best(_ samples: [ClockSample]) -> ClockSample? {
        samples.min { $0.delay < $1.delay }
    }
}
