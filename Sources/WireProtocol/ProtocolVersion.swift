/// Versions of the method set; `agent.hello` picks the highest one both sides speak.
public enum ProtocolVersion {
    public static let current = 1
    public static let supported: [Int] = [1]

    public static func negotiate(offered: [Int]) -> Int? {
        Set(offered).intersection(supported).max()
    }
}
