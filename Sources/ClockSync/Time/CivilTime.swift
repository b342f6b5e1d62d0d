/// Calendar dates to and from seconds since the epoch, in UTC, without Foundation or time zone
/// files: what `meridian clock set` reads and what `chronyc settime` is given.
public enum CivilTime {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// "Nov 25, 2026 01:21:25": the form chronyc's settime parses (given TZ=UTC).
    ///
    /// Total over `Int64`: the day is a floor division that cannot overflow (the old
    /// `epochSeconds - 86_399` trapped near `Int64.min`), and |days| ≤ 1.1e14 keeps every step of
    /// the calendar algorithm far inside 64 bits. Callers that set a clock still check the range.
    public static func chronyText(epochSeconds: Int64) -> String {
        let (date, second) = split(epochSeconds)
        return "\(months[date.month - 1]) \(date.day), \(date.year) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    /// "2026-12-02 01:10:05 UTC": a time in messages (who holds a lock, since when). Total over
    /// `Int64` as `chronyText`.
    public static func utcText(epochSeconds: Int64) -> String {
        let (date, second) = split(epochSeconds)
        return "\(date.year)-\(two(date.month))-\(two(date.day)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) UTC"
    }

    /// The civil date and the second of that day (floor division: before 1970 too).
    static func split(_ epochSeconds: Int64) -> (date: (year: Int, month: Int, day: Int), second: Int) {
        var days = epochSeconds / 86_400
        var remainder = epochSeconds % 86_400
        if remainder < 0 { days -= 1; remainder += 86_400 }
        return (civil(days: Int(days)), Int(remainder))
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    public static func parseChronyText(_ text: String) throws(ParseError) -> Int64 {
        let words = text.split(separator: " ")
        guard words.count == 4, let month = months.firstIndex(of: String(words[0])), words[1].hasSuffix(","),
              let day = Int(words[1].dropLast()), let year = Int(words[2]) else {
            throw ParseError("time", expected: "\"Mon D, YYYY HH:MM:SS\", found \"\(text)\"")
        }
        return try epoch(year: year, month: month + 1, day: day, clock: words[3], text: text)
    }

    /// "2025-03-23 14:30:00 +07:00" (also "…T14:30:00Z", "… UTC"): an explicit offset is required,
    /// so nobody sets a cluster's clock in the wrong zone by accident.
    public static func parseAdminTime(_ text: String) throws(ParseError) -> Int64 {
        let input = "time"
        let characters = Array(text)
        let normalized = characters.count > 10 && characters[10] == "T" ? String(characters[..<10]) + " " + String(characters[11...]) : text
        var words = normalized.split(separator: " ").map(String.init)
        var zone = "Z"
        if words.count == 2, let last = words.last, last.hasSuffix("Z") {
            words[1] = String(last.dropLast())
        } else if words.count == 3 {
            zone = words[2]
            words.removeLast()
        } else {
            throw ParseError(input, expected: "\"YYYY-MM-DD HH:MM:SS ±HH:MM\" (or …Z / … UTC), found \"\(text)\"")
        }
        let date = words[0].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, date[0].count == 4, let year = Int(date[0]), let month = Int(date[1]), let day = Int(date[2]) else {
            throw ParseError(input, expected: "a date YYYY-MM-DD, found \"\(words[0])\"")
        }
        var seconds = try epoch(year: year, month: month, day: day, clock: Substring(words[1]), text: text)
        if zone != "Z" && zone != "UTC" {
            let sign: Int64 = zone.hasPrefix("-") ? -1 : 1
            let parts = zone.dropFirst().split(separator: ":")
            // Digits only ("+-7:00" and "+07:+5" are no offsets), hours 0...14, minutes 0...59:
            // small enough that the arithmetic below cannot overflow.
            let digits = parts.allSatisfy { !$0.isEmpty && $0.count <= 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
            guard zone.hasPrefix("+") || zone.hasPrefix("-"), parts.count == 2, digits,
                  let hours = Int64(parts[0]), let minutes = Int64(parts[1]),
                  (0...14).contains(hours), (0..<60).contains(minutes) else {
                throw ParseError(input, expected: "a UTC offset like +07:00, -05:30 or Z, found \"\(zone)\"")
            }
            seconds -= sign * (hours * 3600 + minutes * 60)
        }
        return seconds
    }

    static func epoch(year: Int, month: Int, day: Int, clock: Substring, text: String) throws(ParseError) -> Int64 {
        let parts = clock.split(separator: ":")
        guard parts.count == 3, let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else {
            throw ParseError("time", expected: "a time HH:MM:SS, found \"\(clock)\"")
        }
        guard (1970...2200).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            throw ParseError("time", expected: "a real date between 1970 and 2200, found \"\(text)\"")
        }
        return Int64(days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }
}

