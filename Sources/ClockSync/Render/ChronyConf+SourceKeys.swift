extension ChronyConf {
    /// When two renderings differ only in the `key N` of `server`/`peer` lines (a key rotation's
    /// switch), those new lines; nil when anything else differs. The agent then swaps just those
    /// sources at run time (`chronyc delete` + `chronyc add`), so chronyd keeps its tracking and
    /// stays synchronised instead of starting over after a restart.
    public static func sourceKeyChanges(from old: String, to new: String) -> [String]? {
        let before = old.split(separator: "\n", omittingEmptySubsequences: false)
        let after = new.split(separator: "\n", omittingEmptySubsequences: false)
        guard before.count == after.count else { return nil }
        func withoutKey(_ line: Substring) -> Substring {
            guard let range = line.firstRange(of: " key ") else { return line }
            return line[..<range.lowerBound]
        }
        var changed: [String] = []
        for (a, b) in zip(before, after) where a != b {
            guard b.hasPrefix("server ") || b.hasPrefix("peer "), a.hasPrefix(b.hasPrefix("server ") ? "server " : "peer "),
                  withoutKey(a) == withoutKey(b), b.contains(" key ") else { return nil }
            changed.append(String(b))
        }
        return changed.isEmpty ? nil : changed
    }
}
