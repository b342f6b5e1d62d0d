import Testing

/// The real `meridian` binary refuses every bad numeric option with exit 64 and a message that
/// names the option and its range, before it reads a cluster file or contacts anything (the
/// targets and files named here do not exist).
@Suite struct CLIValidationTests {
    static let cases: [([String], String)] = [
        (["ping", "--timeout", "inf", "127.0.0.1"], "--timeout must be a finite number in 0.1...600 seconds, got inf"),
        (["ping", "--timeout", "-1", "127.0.0.1"], "--timeout must be a finite number in 0.1...600 seconds, got -1.0"),
        (["ping", "--timeout", "nan", "127.0.0.1"], "--timeout must be a finite number in 0.1...600 seconds, got nan"),
        (["ping", "--probes", "0", "127.0.0.1"], "--probes must be in 1...64, got 0"),
        (["apply", "--cluster", "/nonexistent/c.json", "--sync-wait", "inf"], "--sync-wait must be a finite number in 1...3600 seconds"),
        (["apply", "--cluster", "/nonexistent/c.json", "--settle", "-1"], "--settle must be a finite number in 0...3600 seconds"),
        (["apply", "--cluster", "/nonexistent/c.json", "--concurrency", "0"], "--concurrency must be in 1...256, got 0"),
        (["deploy", "--cluster", "/nonexistent/c.json", "--concurrency", "-2"], "--concurrency must be in 1...64, got -2"),
        (["init", "--cluster", "/nonexistent/c.json", "--max-offset", "inf"], "--max-offset must be a finite number in 0.0001...10 seconds"),
        (["init", "--cluster", "/nonexistent/c.json", "--max-offset", "0"], "--max-offset must be a finite number in 0.0001...10 seconds"),
        (["lab", "up", "--dir", "/nonexistent/lab", "--nodes", "0"], "--nodes must be in 1...200, got 0"),
        (["lab", "up", "--dir", "/nonexistent/lab", "--nodes", "2", "--servers", "3"], "--servers must be in 1...2, got 3"),
        (["lab", "up", "--dir", "/nonexistent/lab", "--skew", "node1=inf"], "--skew node1 must be a finite number in -86400...86400 seconds"),
        (["lab", "step", "--dir", "/nonexistent/lab", "node1", "inf"], "SECONDS must be a finite number in -86400...86400 seconds"),
    ]

    @Test(arguments: cases)
    func badNumbersExit64NamingTheOptionAndRange(arguments: [String], message: String) async throws {
        let result = try await CLIProcess.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test func aNegativeLabStepIsAValueNotAFlag() async throws {
        let result = try await CLIProcess.run(["lab", "step", "--dir", "/nonexistent/lab", "node1", "-0.3"])
        // Parsed and validated; then refused for the missing lab, not as an unknown option.
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("no lab node node1 in /nonexistent/lab"), "\(result.stderr)")
    }
}
