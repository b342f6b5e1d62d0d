/// The readers of the firewalls a node may use; each answers a `FirewallVerdict`.
public enum FirewallRules {
    /// `ufw status` (or `ufw status verbose`).
    public static func ufw(_ text: String) throws(ParseError) -> FirewallVerdict {
        let input = "ufw status"
        let lines = TextInput.lines(text)
        guard let statusLine = lines.first(where: { $0.hasPrefix("Status:") }) else {
            throw ParseError(input, expected: "a \"Status: active|inactive\" line")
        }
        if statusLine.contains("inactive") { return .notFiltering }
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2, words.contains("ALLOW") || words.contains("ALLOW IN") else { continue }
            let target = words[0]
            if target == "123/udp" || target == "123" || target == "ntp" || target == "NTP" || target == "Anywhere" && line.contains("123/udp") {
                return .allowed
            }
        }
        return .blocked
    }

    /// A Proxmox firewall file (`/etc/pve/firewall/cluster.fw` or `<node>.host.fw`): the
    /// `[OPTIONS]` `enable:` flag and `[RULES]` lines like `IN NTP(ACCEPT)` or
    /// `IN ACCEPT -p udp -dport 123`.
    public static func proxmox(_ text: String) -> FirewallVerdict {
        var section = ""
        var enabled = false
        var allowed = false
        for line in TextInput.lines(text) {
            let trimmed = line.trimmingWhitespace
            if trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") { section = trimmed.uppercased(); continue }
            if section == "[OPTIONS]", trimmed.hasPrefix("enable:") {
                enabled = trimmed.dropFirst("enable:".count).trimmingWhitespace == "1"
            }
            if section == "[RULES]" {
                let words = trimmed.split(separator: " ").map(String.init)
                guard words.first == "IN" else { continue }
                if words.contains("NTP(ACCEPT)") { allowed = true }
                if words.contains("ACCEPT"), let p = words.firstIndex(of: "-p"), p + 1 < words.count, words[p + 1] == "udp",
                   let d = words.firstIndex(of: "-dport"), d + 1 < words.count, words[d + 1] == "123" || words[d + 1] == "ntp" {
                    allowed = true
                }
            }
        }
        if !enabled { return .notFiltering }
        return allowed ? .allowed : .blocked
    }

    /// `nft list ruleset`: an input chain with `policy drop` blocks NTP unless a rule accepts
    /// `udp dport 123` (or `ntp`, or a set containing it).
    public static func nftables(_ text: String) -> FirewallVerdict {
        var dropsInput = false
        var accepts = false
        var inInputChain = false
        for line in TextInput.lines(text) {
            let trimmed = line.trimmingWhitespace
            if trimmed.hasPrefix("chain ") { inInputChain = false }
            if trimmed.contains("hook input") {
                inInputChain = true
                if trimmed.contains("policy drop") { dropsInput = true }
            }
            guard inInputChain, trimmed.contains("accept"), trimmed.contains("udp dport") else { continue }
            if trimmed.contains("dport 123 ") || trimmed.contains("dport ntp ") || trimmed.contains(" 123,") || trimmed.contains(", 123 ")
                || trimmed.contains("{ 123") || trimmed.contains("dport 123\t") {
                accepts = true
            }
        }
        if !dropsInput { return .notFiltering }
        return accepts ? .allowed : .blocked
    }
}
