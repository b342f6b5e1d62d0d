/// Durations with units and offsets with a sign and a direction, as people read them.
public enum Durations {
    /// `2.503 s`, `12.5 ms`, `50 ms`, `812 µs`, `95 ns`.
    public static func duration(_ seconds: Double) -> String {
        let magnitude = abs(seconds)
        switch magnitude {
        case 1...: return fixed(seconds, 3) + " s"
        case 0.001...: return trimmedZero(fixed(seconds * 1e3, 1)) + " ms"
        case 0.000_001...: return fixed(seconds * 1e6, 0) + " µs"
        default: return fixed(seconds * 1e9, 0) + " ns"
        }
    }

    /// `+2.500 s (fast)`, `-812 µs (slow)`.
    public static func offset(_ seconds: Double) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let direction = seconds < 0 ? "slow" : "fast"
        return sign + duration(abs(seconds)) + " (\(direction))"
    }

    /// `50.0` → `50`: round tolerances read better without the decimal.
    static func trimmedZero(_ text: String) -> String { text.hasSuffix(".0") ? String(text.dropLast(2)) : text }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if text.contains("e") { return text }
        if decimals == 0 { return String(text.prefix { $0 != "." }) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        text = String(parts[0]) + "." + (fraction + String(repeating: "0", count: decimals)).prefix(decimals)
        return text
    }
}
