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
        /// Seconds since the last sample; nil when never received (CSV prints 4294967295, text "-").
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
        try TextInput.checkPrintable(text, input)
        var sources: [Source] = []
        for (index, line) in TextInput.lines(text).enumerated() {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 10 else { throw ParseError(input, line: number, expected: "10 fields, found \(fields.count)") }
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

    /// The human form: a header, a rule of `=`, then `^* 127.0.0.2  10  -2  377  0  +6816ns[+8014ns] +/-  28us`.
    public static func parse(text: String) throws(ParseError) -> ChronySources {
        let input = "chronyc sources"
        try TextInput.checkPrintable(text, input)
        let lines = TextInput.lines(text)
        guard let rule = lines.firstIndex(where: { $0.hasPrefix("====") }), rule > 0,
              lines[rule - 1].contains("Name/IP address") else {
            throw ParseError(input, expected: "the header \"MS Name/IP address … Last sample\" and a rule of =")
        }
        var sources: [Source] = []
        for index in lines.index(after: rule)..<lines.endIndex {
            let line = lines[index]
            let number = index + 1
            let chars = Array(line)
            guard chars.count > 3, let mode = Mode(rawValue: String(chars[0])), let state = State(rawValue: String(chars[1])) else {
                throw ParseError(input, line: number, field: "MS", expected: "a mode (^ = #) and a state (* + - ? x ~), found \"\(line.prefix(2))\"")
            }
            guard let bracket = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), bracket < close,
                  let plusMinus = line.rangeOfLiteral("+/-") else {
                throw ParseError(input, line: number, field: "last sample", expected: "OFFSET[MEASURED] +/- ERROR")
            }
            let head = line[line.index(line.startIndex, offsetBy: 2)..<bracket].split(separator: " ")
            guard head.count == 6 else {
                throw ParseError(input, line: number, expected: "name, stratum, poll, reach, last rx and offset, found \(head.count) columns")
            }
            guard let reach = Int(head[3], radix: 8), (0...0o377).contains(reach) else {
                throw ParseError(input, line: number, field: "Reach", expected: "an octal number up to 377, found \"\(head[3])\"")
            }
            sources.append(Source(
                mode: mode, state: state, address: String(head[0]),
                stratum: try TextInput.int(head[1], input, line: number, field: "Stratum"),
                poll: try TextInput.int(head[2], input, line: number, field: "Poll"),
                reach: reach,
                lastRxSeconds: head[4] == "-" ? nil : try ChronyUnits.seconds(head[4], input, line: number),
                adjustedOffsetSeconds: try ChronyUnits.offset(head[5], input, line: number),
                measuredOffsetSeconds: try ChronyUnits.offset(line[line.index(after: bracket)..<close], input, line: number),
                errorSeconds: try ChronyUnits.offset(line[plusMinus.upperBound...], input, line: number)))
        }
        return ChronySources(sources: sources)
    }
}

/// chronyc's human units: `+6816ns`, `-12us`, `3ms`, `1.5s`; `34`, `12m`, `3h`, `2d`, `1y`.
enum ChronyUnits {
    static func offset(_ text: some StringProtocol, _ input: String, line: Int) throws(ParseError) -> Double {
        let trimmed = text.trimmingSpaces
        let scales: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1)]
        for (suffix, scale) in scales where trimmed.hasSuffix(suffix) {
            if let value = Double(trimmed.dropLast(suffix.count).trimmingSpaces), value.isFinite { return value * scale }
        }
        throw ParseError(input, line: line, expected: "a time with a unit (ns, us, ms, s), found \"\(trimmed)\"")
    }

    static func seconds(_ text: some StringProtocol, _ input: String, line: Int) throws(ParseError) -> Int {
        let trimmed = text.trimmingSpaces
        let scales: [Character: Int] = ["m": 60, "h": 3600, "d": 86_400, "y": 31_536_000]
        // Checked: "99999999999999999y" must be an error, not a trap; chrony never prints a negative age.
        if let last = trimmed.last, let scale = scales[last], let value = Int(trimmed.dropLast()), value >= 0 {
            let (seconds, overflow) = value.multipliedReportingOverflow(by: scale)
            if !overflow { return seconds }
        }
        if let value = Int(trimmed), value >= 0 { return value }
        throw ParseError(input, line: line, field: "LastRx", expected: "seconds (optionally m, h, d, y), found \"\(trimmed)\"")
    }
}

/// `chronyc -c sourcestats`: per-source regression statistics.
public struct ChronySourceStats: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var address: String
        public var samples: Int
        public var runs: Int
        public var spanSeconds: Int
        public var frequencyPPM: Double
        public var skewPPM: Double
        public var offsetSeconds: Double
        public var standardDeviationSeconds: Double
    }

    public var entries: [Entry]

    public static func parse(csv text: String) throws(ParseError) -> ChronySourceStats {
        let input = "chronyc -c sourcestats"
        try TextInput.checkPrintable(text, input)
        var entries: [Entry] = []
        for (index, line) in TextInput.lines(text).enumerated() {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 8, !fields[0].isEmpty else { throw ParseError(input, line: number, expected: "8 fields, found \(fields.count)") }
            entries.append(Entry(
                address: String(fields[0]),
                samples: try TextInput.int(fields[1], input, line: number, field: "samples"),
                runs: try TextInput.int(fields[2], input, line: number, field: "runs"),
                spanSeconds: try TextInput.int(fields[3], input, line: number, field: "span"),
                frequencyPPM: try TextInput.double(fields[4], input, line: number, field: "frequency"),
                skewPPM: try TextInput.double(fields[5], input, line: number, field: "skew"),
                offsetSeconds: try TextInput.double(fields[6], input, line: number, field: "offset"),
                standardDeviationSeconds: try TextInput.double(fields[7], input, line: number, field: "std dev")))
        }
        return ChronySourceStats(entries: entries)
    }
}
