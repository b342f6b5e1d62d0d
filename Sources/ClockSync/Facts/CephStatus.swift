import JSONCore

/// `ceph -s --format json`: only the health part matters here (MON_CLOCK_SKEW and its detail
/// lines name the monitors and their skew).
public struct CephStatus: Sendable, Equatable {
    public struct Check: Sendable, Equatable {
        public var code: String
        public var severity: String
        public var summary: String
        public var details: [String]
    }

    /// HEALTH_OK, HEALTH_WARN or HEALTH_ERR.
    public var status: String
    public var checks: [Check]

    public var clockSkew: Check? { checks.first { $0.code == "MON_CLOCK_SKEW" } }

    public init(json text: String) throws(ParseError) {
        let input = "ceph -s --format json"
        struct Raw: Decodable {
            struct Health: Decodable {
                struct RawCheck: Decodable {
                    struct Summary: Decodable { var message: String? }
                    struct Detail: Decodable { var message: String? }
                    var severity: String?
                    var summary: Summary?
                    var detail: [Detail]?
                }
                var status: String
                var checks: [String: RawCheck]?
            }
            var health: Health
        }
        let raw: Raw
        do { raw = try JSONValueDecoder().decode(Raw.self, from: JSONValue(parsing: Array(text.utf8))) } catch {
            throw ParseError(input, expected: "a JSON object with health.status and health.checks (\(error))")
        }
        guard raw.health.status.hasPrefix("HEALTH_") else {
            throw ParseError(input, field: "health.status", expected: "HEALTH_OK, HEALTH_WARN or HEALTH_ERR, found \"\(raw.health.status)\"")
        }
        status = raw.health.status
        checks = (raw.health.checks ?? [:]).map { code, check in
            Check(code: code, severity: check.severity ?? "", summary: check.summary?.message ?? "",
                  details: (check.detail ?? []).compactMap(\.message))
        }.sorted { $0.code < $1.code }
    }
}
