import ClockSync

/// The one place where text from outside (agents' names, errors, chrony output, evidence) is
/// made safe for a terminal. Every human printer of `meridian` passes what it prints through
/// `escaped`, so an agent cannot clear the screen, move the cursor, forge a table row with a
/// newline or reorder a line with a bidi override.
public enum TerminalText {
    /// C0 controls (newline, carriage return and tab included), DEL and C1 controls become
    /// `\n`, `\r`, `\t` or `\xHH`; the Unicode bidi embeddings, overrides, isolates and marks
    /// become `\u{HHHH}`. Everything else is kept, so ordinary names and messages read as before.
    public static func escaped(_ text: some StringProtocol) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x00...0x1F, 0x7F...0x9F: result += "\\x" + hex(scalar.value, digits: 2)
            case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: result += "\\u{" + hex(scalar.value, digits: 4) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Text of several lines that Meridian itself laid out (a plan, a diff): each line escaped,
    /// the line breaks kept.
    public static func escapedLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped($0) }.joined(separator: "\n")
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        String(value, radix: 16, uppercase: true).leftPadded(digits)
    }
}
