import ArgumentParser

/// Every numeric option of `meridian` is checked in its command's `validate()`: finite and in
/// a stated range. A bad value exits 64 (argument-parser's usage error) with a message naming
/// the option and the range, before anything is contacted; `inf` and `nan` never reach a
/// `Duration` (which traps on them).
///
/// Numeric options use `parsing: .unconditional` so that `--timeout -1` reads -1 as the value
/// (and is refused with the range) instead of as an unknown flag.
enum OptionRange {
    static func check(_ value: Double, _ option: String, _ range: ClosedRange<Double>, unit: String = "seconds") throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) must be a finite number in \(text(range.lowerBound))...\(text(range.upperBound)) \(unit), got \(value)")
        }
    }

    static func check(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    static func check(_ value: Double?, _ option: String, _ range: ClosedRange<Double>, unit: String = "seconds") throws {
        if let value { try check(value, option, range, unit: unit) }
    }

    /// `600.0` → `600`, `0.1` stays.
    static func text(_ value: Double) -> String {
        let plain = "\(value)"
        return plain.hasSuffix(".0") ? String(plain.dropLast(2)) : plain
    }

    /// The largest step or skew the lab takes: a day either way.
    static let labSeconds = -86_400.0...86_400.0
}
