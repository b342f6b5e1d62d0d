import Testing
@testable import WireProtocol

@Test func moduleLinks() { #expect(Bool(true)) }
