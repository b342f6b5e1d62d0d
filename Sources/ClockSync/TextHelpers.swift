/// The package's one trimmer and one zero-padder, here because ClockSync owns the text formats
/// (tool output, config files); every module above uses these.
extension StringProtocol {
    /// Without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF). Plain scalar
    /// comparison: no Foundation, no locale.
    public var trimmingWhitespace: String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || ("\t"..."\r").contains(scalar) }
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, isSpace(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, isSpace(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `"7".leftPadded(3)` is `"007"`: zeros in front up to `width` characters.
    public func leftPadded(_ width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}
