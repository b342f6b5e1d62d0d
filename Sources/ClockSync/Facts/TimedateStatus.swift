/// `timedatectl show`: `Key=Value` lines; Meridian needs the time zone and whether systemd
/// considers the clock synchronised.
public struct TimedateStatus: Sendable, Equatable {
    public var timezone: String
    public var ntpSynchronized: Bool
    public var localRTC: Bool

    public init(show text: String) throws(ParseError) {
        let input = "timedatectl show"
        try TextInput.checkPrintable(text, input)
        var values: [String: String] = [:]
        for (index, line) in TextInput.lines(text).enumerated() {
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(input, line: index + 1, expected: "Key=Value, found \"\(line)\"")
            }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let zone = values["Timezone"], !zone.isEmpty else { throw ParseError(input, field: "Timezone", expected: "a Timezone= line") }
        guard let synced = values["NTPSynchronized"] else { throw ParseError(input, field: "NTPSynchronized", expected: "an NTPSynchronized= line") }
        timezone = zone
        ntpSynchronized = synced == "yes"
        localRTC = values["LocalRTC"] == "yes"
    }
}
