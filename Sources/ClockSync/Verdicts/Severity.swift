/// Monitoring-plugin severities; the exit code is the raw value (0 ok, 1 warning, 2 critical,
/// 3 unknown). `worst` orders them ok < warning < unknown < critical: a known failure outranks
/// missing information.
public enum Severity: Int, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    var rank: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }

    public static func worst(_ severities: some Sequence<Severity>) -> Severity {
        severities.max { $0.rank < $1.rank } ?? .ok
    }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .warning: "warning"
        case .critical: "critical"
        case .unknown: "unknown"
        }
    }
}
