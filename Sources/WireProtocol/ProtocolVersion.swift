/// Versions of the method set; `agent.hello` picks the highest one both sides speak.
///
/// 2: `chrony.apply` takes a typed intent instead of chrony.conf text, and `chrony.preview`
/// exists. Version 1 is not spoken any more: its `chrony.apply` let a coordinator write any
/// chrony.conf (and so point chronyd's files anywhere as root).
public enum ProtocolVersion {
    public static let current = 2
    public static let supported: [Int] = [2]

    public static func negotiate(offered: [Int]) -> Int? {
        Set(offered).intersection(supported).max()
    }

    /// The error both sides show when they share no version: each side's software version and
    /// protocol versions, so the operator knows which one to upgrade.
    /// The other side's version text is shown as sent, cut to 40 characters, control characters
    /// replaced (it comes from the peer).
    public static func mismatch(coordinator: String, offered: [Int], agent: String, supported: [Int]) -> String {
        func shown(_ text: String) -> String {
            String(text.unicodeScalars.prefix(40).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        }
        func list(_ versions: [Int]) -> String { versions.prefix(8).map(String.init).joined(separator: ", ") }
        return "protocol version mismatch: coordinator \(shown(coordinator)) speaks protocol \(list(offered)), "
            + "agent \(shown(agent)) speaks protocol \(list(supported)); install the same Meridian version on both"
    }
}
