/// `/etc/timezone` on Debian: one line with the zone name.
public enum EtcTimezone {
    public static func parse(_ text: String) throws(ParseError) -> String {
        let lines = TextInput.lines(text)
        guard lines.count == 1, let zone = TimezoneName(String(lines[0])) else {
            throw ParseError("/etc/timezone", expected: "one line with a time zone name like Europe/Berlin")
        }
        return zone.description
    }
}
