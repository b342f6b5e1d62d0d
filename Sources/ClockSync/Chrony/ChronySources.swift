/// `chronyc sources`: the time sources chrony knows and what it thinks of each.
public struct ChronySources: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        case server = "^"
        case peer = "="
        case referenceClock = "#"
    }

    public enum State: String, Sendable, Equatable {
        case selected = "*"
        case combined = "+"
        case notCombined = "-"
        case unusable = "?"
        case falseticker = "x"
        case tooVariable = "~"

        public var label: String {
            switch self {
            case .selected: "selected"
            case .combined: "combined"
            case .notCombined: "not combined"
            case .unusable: "unusable"
            case .falseticker: "falseticker"
            case .tooVariable: "too variable"
            }
        }
    }

    public struct Source: Sendable, Equatable {
        public var mode: Mode
        public var state: State
        public var address: String
        public var stratum: Int
        public var poll: Int
        /// The 8-bit reachability register (chrony prints it in octal): 0 = never heard.
        public var reach: Int
        /// Seconds since the last sample; nil when never received (CSV prints 4294967295).
        public var lastRxSeconds: Int?
        /// Local clock minus source's, positive when the local clock is ahead? No: chrony's
        /// "adjusted offset" is the source's offset from local; kept as printed.
        public var adjustedOffsetSeconds: Double
        public var measuredOffsetSeconds: Double
        public var errorSeconds: Double

        public init(mode: Mode, state: State, address: String, stratum: Int, poll: Int, reach: Int, lastRxSeconds: Int?,
                    adjustedOffsetSeconds: Double, measuredOffsetSeconds: Double, errorSeconds: Double) {
            self.mode = mode; self.state = state; self.address = address; self.stratum = stratum; self.poll = poll
            self.reach = reach; self.lastRxSeconds = lastRxSeconds; self.adjustedOffsetSeconds = adjustedOffsetSeconds
            self.measuredOffsetSeconds = measuredOffsetSeconds; self.errorSeconds = errorSeconds
        }

        /// Never answered: empty reachability register, or no sample ever.
        public var neverHeard: Bool { reach == 0 || lastRxSeconds == nil }
    }

    public var sources: [Source]

    public init(sources: [Source]) { self.sources = sources }

    public var selected: Source? { sources.first { $0.state == .selected } }

    static let neverReceived: UInt64 = 4_294_967_295

    /// `chronyc -c sources`: 10 comma-separated fields a line; no lines when there are no sources.
    public static func parse(csv text: String) throws(ParseError) -> ChronySources {
        let input = "chronyc -c sources"
        var sources: [Source] = []
        for (number, fields) in try TextInput.csvRecords(text, input, fields: 10) {
            guard let mode = Mode(rawValue: String(fields[0])) else {
                throw ParseError(input, line: number, field: "mode", expected: "^, = or #, found \"\(fields[0])\"")
            }
            guard let state = State(rawValue: String(fields[1])) else {
                throw ParseError(input, line: number, field: "state", expected: "one of * + - ? x ~, found \"\(fields[1])\"")
            }
            guard !fields[2].isEmpty else { throw ParseError(input, line: number, field: "address", expected: "an address") }
            guard let reach = Int(fields[5], radix: 8), (0...0o377).contains(reach) else {
                throw ParseError(input, line: number, field: "reach", expected: "an octal number up to 377, found \"\(fields[5])\"")
            }
            guard let lastRx = UInt64(fields[6]) else {
                throw ParseError(input, line: number, field: "last rx", expected: "an integer, found \"\(fields[6])\"")
            }
            sources.append(Source(
                mode: mode, state: state, address: String(fields[2]),
                stratum: try TextInput.int(fields[3], input, line: number, field: "stratum"),
                poll: try TextInput.int(fields[4], input, line: number, field: "poll"),
                reach: reach,
                lastRxSeconds: lastRx == neverReceived ? nil : Int(clamping: lastRx),
                adjustedOffsetSeconds: try TextInput.double(fields[7], input, line: number, field: "adjusted offset"),
                measuredOffsetSeconds: try TextInput.double(fields[8], input, line: number, field: "measured offset"),
                errorSeconds: try TextInput.double(fields[9], input, line: number, field: "error")))
        }
        return ChronySources(sources: sources)
    }
}
