/// Input that is not what a parser expected. Says which input, where, and what was expected,
/// so "unknown or truncated output" never turns into a silent zero.
public struct ParseError: Error, Equatable, CustomStringConvertible {
    public var input: String
    public var line: Int?
    public var field: String?
    public var expected: String

    public init(_ input: String, line: Int? = nil, field: String? = nil, expected: String) {
        self.input = input
        self.line = line
        self.field = field
        self.expected = expected
    }

    public var description: String {
        var place = input
        if let line { place += ", line \(line)" }
        if let field { place += ", \(field)" }
        return "\(place): expected \(expected)"
    }
}

/// Small helpers shared by the line-oriented parsers.
enum TextInput {
    /// Lines without trailing whitespace or CR; empty lines dropped. CRLF is one `Character` in
    /// Swift (`"\r\n" != "\n"`), so it is named here or a CRLF file would read as one line.
    static func lines(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line in
            var line = line
            while let last = line.last, last == "\r" || last == " " || last == "\t" { line = line.dropLast() }
            return line
        }.filter { !$0.isEmpty }
    }

    /// chronyc's `-c` output: printable text, one record a line, each exactly `fields`
    /// comma-separated fields (empty ones kept); numbered from 1 for the errors.
    static func csvRecords(_ text: String, _ input: String, fields count: Int) throws(ParseError) -> [(number: Int, fields: [Substring])] {
        try checkPrintable(text, input)
        var records: [(number: Int, fields: [Substring])] = []
        for (index, line) in lines(text).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == count else { throw ParseError(input, line: index + 1, expected: "\(count) fields, found \(fields.count)") }
            records.append((index + 1, fields))
        }
        return records
    }

    /// Refuses bytes that no tool we parse prints (NUL and other control characters).
    static func checkPrintable(_ text: String, _ input: String) throws(ParseError) {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t" || $0.value == 0xFFFD }) {
            throw ParseError(input, expected: "text output, found control or invalid bytes")
        }
    }

    static func double(_ text: Substring, _ input: String, line: Int, field: String) throws(ParseError) -> Double {
        guard let value = Double(text.trimmingWhitespace), value.isFinite else {
            throw ParseError(input, line: line, field: field, expected: "a number, found \"\(text)\"")
        }
        return value
    }

    static func int(_ text: Substring, _ input: String, line: Int, field: String) throws(ParseError) -> Int {
        guard let value = Int(text.trimmingWhitespace) else {
            throw ParseError(input, line: line, field: field, expected: "an integer, found \"\(text)\"")
        }
        return value
    }
}
