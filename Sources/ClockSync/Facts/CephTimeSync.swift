import JSONCore

/// `ceph time-sync-status --format json`: the leader monitor's last time check, per monitor
/// its signed skew against the leader (reported below the limit too), the latency, and whether
/// that skew is a health problem (`"details": "clock skew 2.49708s > max 0.05s"`).
public struct CephTimeSync: Sendable, Equatable {
    public struct Monitor: Sendable, Equatable {
        public var name: String
        public var skewSeconds: Double
        public var latencySeconds: Double
        /// HEALTH_OK, HEALTH_WARN or HEALTH_ERR.
        public var health: String
        public var details: String?
    }

    /// Sorted by name.
    public var monitors: [Monitor]
    /// `timechecks.round_status` ("finished" once the leader has heard every monitor).
    public var roundStatus: String?

    public func monitor(_ name: String) -> Monitor? { monitors.first { $0.name == name } }

    public init(json text: String) throws(ParseError) {
        let input = "ceph time-sync-status --format json"
        struct Raw: Decodable {
            struct Skew: Decodable {
                var skew: Double
                var latency: Double
                var health: String
                var details: String?
            }
            struct Checks: Decodable {
                var round_status: String?
            }
            var time_skew_status: [String: Skew]
            var timechecks: Checks?
        }
        let raw: Raw
        do { raw = try JSONValueDecoder().decode(Raw.self, from: JSONValue(parsing: Array(text.utf8))) } catch {
            throw ParseError(input, expected: "a JSON object with time_skew_status.MON.{skew,latency,health} (\(error))")
        }
        var monitors: [Monitor] = []
        for (name, skew) in raw.time_skew_status {
            guard skew.skew.isFinite, skew.latency.isFinite else {
                throw ParseError(input, field: "time_skew_status.\(name)", expected: "finite skew and latency")
            }
            guard skew.health.hasPrefix("HEALTH_") else {
                throw ParseError(input, field: "time_skew_status.\(name).health", expected: "HEALTH_OK, HEALTH_WARN or HEALTH_ERR, found \"\(skew.health)\"")
            }
            monitors.append(Monitor(name: name, skewSeconds: skew.skew, latencySeconds: skew.latency, health: skew.health,
                                    details: skew.details.flatMap { $0.isEmpty ? nil : $0 }))
        }
        self.monitors = monitors.sorted { $0.name < $1.name }
        roundStatus = raw.timechecks?.round_status
    }
}
