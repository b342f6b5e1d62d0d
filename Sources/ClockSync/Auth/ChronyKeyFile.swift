/// chrony's keyfile (`/etc/chrony/chrony.keys` on Debian): one `ID TYPE HEX:…` line a key. The
/// agent writes it from the intent's keys and reads it back only to compare (which ids are
/// there, whether anything changed); neither direction ever prints the material.
public enum ChronyKeyFile {
    /// Debian's default path, under the agent's root (the issue's contract).
    public static let path = "/etc/chrony/chrony.keys"
    /// The keyfile as it was before the last change, kept by the agent (mode 0600) beside the
    /// chrony.conf backups; removed when authentication is turned off.
    public static let backupName = "chrony.keys.previous"

    /// Deterministic text: keys sorted by id, so the same set always gives the same bytes.
    public static func render(_ keys: [NTPKey], cluster: String) -> String {
        var lines = ["# NTP keys managed by Meridian for cluster \(cluster). Do not edit: `meridian apply` and",
                     "# `meridian keys rotate` replace this file. Secret: mode 0640, group _chrony."]
        for key in keys.sorted(by: { $0.id < $1.id }) { lines.append("\(key.id) \(key.kind.rawValue) HEX:\(key.hex)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The key ids a keyfile defines (comments and blank lines skipped); lines that are not
    /// `ID TYPE VALUE` are ignored here because this only describes a file, it never trusts one.
    public static func ids(in text: String) -> [UInt32] {
        TextInput.lines(text).compactMap { line -> UInt32? in
            let trimmed = line.trimmingWhitespace
            guard !trimmed.hasPrefix("#"), let first = trimmed.split(separator: " ").first else { return nil }
            return UInt32(first)
        }.sorted()
    }

    /// "ids 1-3, 7" for a plan line: ranges of consecutive ids.
    public static func describe(ids: [UInt32]) -> String {
        let sorted = Array(Set(ids)).sorted()
        guard !sorted.isEmpty else { return "no ids" }
        var parts: [String] = []
        var start = sorted[0], previous = sorted[0]
        for id in sorted.dropFirst() + [UInt32.max] {
            if id != UInt32.max && id == previous + 1 { previous = id; continue }
            parts.append(start == previous ? "\(start)" : "\(start)-\(previous)")
            start = id; previous = id
        }
        return (sorted.count == 1 ? "id " : "ids ") + parts.joined(separator: ", ")
    }
}
