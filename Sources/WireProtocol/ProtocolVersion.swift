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
    public static func mismatch(coordinator: String, offered: [Int], agent: String, supported: [Int]) -> String {
        "protocol version mismatch: coordinator \(coordinator) speaks protocol \(offered.map(String.init).joined(separator: ", ")), "
            + "agent \(agent) speaks protocol \(supported.map(String.init).joined(separator: ", ")); install the same Meridian version on both"
    }
}
