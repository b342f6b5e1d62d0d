/// Whether NTP (UDP 123) is let in, read from the firewall a node actually uses. Each reader
/// answers `allowed`, `blocked` or `notFiltering` (the firewall is off or has no input policy);
/// rules it cannot interpret are reported, not guessed at.
public enum FirewallVerdict: String, Sendable, Equatable {
    case allowed
    case blocked
    case notFiltering = "not filtering"
}
