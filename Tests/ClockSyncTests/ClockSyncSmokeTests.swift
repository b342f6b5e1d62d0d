import Testing
@testable import ClockSync

@Test func moduleLinks() { #expect(Bool(true)) }
