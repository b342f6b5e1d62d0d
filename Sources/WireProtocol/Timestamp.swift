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

    /// Nanoseconds from `b` to `a`, exact (a Double of epoch seconds would lose the nanoseconds).
    public static func nanosecondsBetween(_ a: Timestamp, _ b: Timestamp) -> Int64 {
        (a.seconds - b.seconds) * 1_000_000_000 + Int64(a.nanoseconds - b.nanoseconds)
    }

    /// `a - b` in seconds.
    public static func - (a: Timestamp, b: Timestamp) -> Double {
        Double(nanosecondsBetween(a, b)) / 1e9
    }

    public var asDouble: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}

/// One NTP-style exchange: t1 client send, t2 agent receive, t3 agent send, t4 client receive.
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
        Double(Timestamp.nanosecondsBetween(t2, t1) + Timestamp.nanosecondsBetween(t3, t4)) / 2e9
    }

    /// Round-trip time on the wire, less the agent's own processing time.
    public var delay: Double {
        Double(Timestamp.nanosecondsBetween(t4, t1) - Timestamp.nanosecondsBetween(t3, t2)) / 1e9
    }

    /// The sample with the smallest delay: its offset has the smallest error bound (delay / 2).
    public static func best(_ samples: [ClockSample]) -> ClockSample? {
        samples.min { $0.delay < $1.delay }
    }
}
