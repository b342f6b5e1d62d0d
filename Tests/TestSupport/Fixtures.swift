/// Locates files under a test target's `Fixtures/` folder without Foundation's Bundle.
public enum FixturePath {
    /// `FixturePath.in("ClockSyncTests", "chrony/tracking-synced.csv")` → absolute path in the source tree.
    public static func `in`(_ testTarget: String, _ relative: String, file: StaticString = #filePath) -> String {
        let here = "\(file)"  // .../Tests/TestSupport/Fixtures.swift
        var parts = here.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)  // drop TestSupport/Fixtures.swift
        return parts.joined(separator: "/") + "/\(testTarget)/Fixtures/\(relative)"
    }

    /// `FixturePath.repository("scripts/page-paint.py")` → that file in the checkout the tests
    /// were built from.
    public static func repository(_ relative: String, file: StaticString = #filePath) -> String {
        var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // drop Tests/TestSupport/Fixtures.swift
        return parts.joined(separator: "/") + "/\(relative)"
    }
}
