/// `chronyc tracking`: how the local clock relates to its reference.
public struct ChronyTracking: Sendable, Equatable {
    public enum LeapStatus: String, Sendable, Equatable {
        case normal = "Normal"
        case insertSecond = "Insert second"
        case deleteSecond = "Delete second"
        case notSynchronised = "Not synchronised"
    }

    /// Hex reference ID: `7F7F0101` is chrony's LOCAL reference, `00000000` none yet.
    public var referenceID: String
    /// The reference's address or name; empty for LOCAL and before synchronisation.
    public var referenceName: String
    public var stratum: Int
    /// When chrony last updated from its reference (seconds since the epoch, its own clock).
    public var referenceTime: Double = 0
    /// chrony's own correction: POSITIVE when the local clock is AHEAD of its reference
    /// (the CSV form prints the opposite sign, the text form says "fast"/"slow").
    public var offsetSeconds: Double
    public var lastOffsetSeconds: Double
    public var rmsOffsetSeconds: Double
    /// Positive when the local clock runs fast.
    public var frequencyPPM: Double
    public var skewPPM: Double
    public var rootDelaySeconds: Double
    public var rootDispersionSeconds: Double
    public var updateIntervalSeconds: Double
    public var leapStatus: LeapStatus

    public static let localReferenceID = "7F7F0101"

    /// True when chrony serves its own clock (`local stratum N`) rather than a source.
    public var isLocalReference: Bool { referenceID == Self.localReferenceID }
    /// True when chrony has a reference at all.
    public var isSynchronised: Bool { referenceID != "00000000" && leapStatus != .notSynchronised }

    public init(referenceID: String, referenceName: String, stratum: Int, offsetSeconds: Double,
                lastOffsetSeconds: Double = 0, rmsOffsetSeconds: Double = 0, frequencyPPM: Double = 0, skewPPM: Double = 0,
                rootDelaySeconds: Double = 0, rootDispersionSeconds: Double = 0, updateIntervalSeconds: Double = 0,
                leapStatus: LeapStatus) {
        self.referenceID = referenceID; self.referenceName = referenceName; self.stratum = stratum
        self.offsetSeconds = offsetSeconds; self.lastOffsetSeconds = lastOffsetSeconds; self.rmsOffsetSeconds = rmsOffsetSeconds
        self.frequencyPPM = frequencyPPM; self.skewPPM = skewPPM; self.rootDelaySeconds = rootDelaySeconds
        self.rootDispersionSeconds = rootDispersionSeconds; self.updateIntervalSeconds = updateIntervalSeconds
        self.leapStatus = leapStatus
    }

    static func checkReferenceID(_ id: String, _ input: String, line: Int) throws(ParseError) -> String {
        guard id.count == 8, id.allSatisfy(\.isHexDigit) else {
            throw ParseError(input, line: line, field: "reference ID", expected: "8 hex digits, found \"\(id)\"")
        }
        return id.uppercased()
    }
}

extension ChronyTracking {
    /// `chronyc -c tracking`: one line of 14 comma-separated fields.
    public init(csv text: String) throws(ParseError) {
        let input = "chronyc -c tracking"
        try TextInput.checkPrintable(text, input)
        let lines = TextInput.lines(text)
        guard lines.count == 1 else { throw ParseError(input, expected: "exactly one line, found \(lines.count)") }
        let fields = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 14 else { throw ParseError(input, line: 1, expected: "14 fields, found \(fields.count)") }
        func number(_ index: Int, _ name: String) throws(ParseError) -> Double {
            try TextInput.double(fields[index], input, line: 1, field: name)
        }
        guard let leap = LeapStatus(rawValue: String(fields[13])) else {
            throw ParseError(input, line: 1, field: "leap status", expected: "Normal, Insert second, Delete second or Not synchronised, found \"\(fields[13])\"")
        }
        self.init(
            referenceID: try Self.checkReferenceID(String(fields[0]), input, line: 1),
            referenceName: String(fields[1]),
            stratum: try TextInput.int(fields[2], input, line: 1, field: "stratum"),
            offsetSeconds: -(try number(4, "system time")),
            lastOffsetSeconds: try number(5, "last offset"),
            rmsOffsetSeconds: try number(6, "RMS offset"),
            frequencyPPM: try number(7, "frequency"),
            skewPPM: try number(9, "skew"),
            rootDelaySeconds: try number(10, "root delay"),
            rootDispersionSeconds: try number(11, "root dispersion"),
            updateIntervalSeconds: try number(12, "update interval"),
            leapStatus: leap)
        referenceTime = try number(3, "reference time")
        _ = try number(8, "residual frequency")
    }

    /// The human form admins paste: `Reference ID    : 7F000002 (127.0.0.2)` and so on.
    public init(text: String) throws(ParseError) {
        let input = "chronyc tracking"
        try TextInput.checkPrintable(text, input)
        var values: [String: (String, Int)] = [:]
        for (index, line) in TextInput.lines(text).enumerated() {
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError(input, line: index + 1, expected: "\"Name : value\", found \"\(line)\"")
            }
            values[line[..<colon].trimmingSpaces] = (line[line.index(after: colon)...].trimmingSpaces, index + 1)
        }
        func value(_ key: String) throws(ParseError) -> (String, Int) {
            guard let found = values[key] else { throw ParseError(input, field: key, expected: "a \"\(key)\" line") }
            return found
        }
        /// "2.499996424 seconds fast of NTP time", "+0.000001198 seconds", "0.268 ppm fast".
        func quantity(_ key: String) throws(ParseError) -> Double {
            let (text, line) = try value(key)
            let words = text.split(separator: " ")
            guard let first = words.first, var number = Double(first), number.isFinite else {
                throw ParseError(input, line: line, field: key, expected: "a number, found \"\(text)\"")
            }
            if words.contains("fast") { number = abs(number) } else if words.contains("slow") { number = -abs(number) }
            return number
        }
        let (reference, referenceLine) = try value("Reference ID")
        let parts = reference.split(separator: " ", maxSplits: 1)
        guard let idPart = parts.first else { throw ParseError(input, line: referenceLine, field: "Reference ID", expected: "an ID") }
        var name = parts.count > 1 ? String(parts[1]) : ""
        if name.hasPrefix("(") && name.hasSuffix(")") { name = String(name.dropFirst().dropLast()) }
        let (leapText, leapLine) = try value("Leap status")
        guard let leap = LeapStatus(rawValue: leapText) else {
            throw ParseError(input, line: leapLine, field: "Leap status", expected: "Normal, Insert second, Delete second or Not synchronised")
        }
        let (stratumText, stratumLine) = try value("Stratum")
        self.init(
            referenceID: try Self.checkReferenceID(String(idPart), input, line: referenceLine),
            referenceName: name,
            stratum: try TextInput.int(Substring(stratumText), input, line: stratumLine, field: "Stratum"),
            offsetSeconds: try quantity("System time"),
            lastOffsetSeconds: try quantity("Last offset"),
            rmsOffsetSeconds: try quantity("RMS offset"),
            frequencyPPM: try quantity("Frequency"),
            skewPPM: try quantity("Skew"),
            rootDelaySeconds: try quantity("Root delay"),
            rootDispersionSeconds: try quantity("Root dispersion"),
            updateIntervalSeconds: try quantity("Update interval"),
            leapStatus: leap)
    }
}
