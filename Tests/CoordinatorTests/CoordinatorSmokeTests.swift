import Testing
@testable import Coordinator

@Test func moduleLinks() { #expect(Bool(true)) }
