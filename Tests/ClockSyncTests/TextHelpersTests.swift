import ClockSync
import Testing

@Suite struct TextHelpersTests {
    @Test(arguments: [(" \t1234\r\n", "1234"), ("  [RULES] ", "[RULES]"), ("", ""), (" \n ", ""), ("a b", "a b"), ("\u{A0}x", "\u{A0}x")])
    func trimsASCIIWhitespaceOnly(text: String, trimmed: String) {
        #expect(text.trimmingWhitespace == trimmed)
    }

    @Test(arguments: [("7", 3, "007"), ("123", 3, "123"), ("1234", 3, "1234"), ("", 2, "00")])
    func padsWithZeros(text: String, width: Int, padded: String) {
        #expect(text.leftPadded(width) == padded)
    }
}
