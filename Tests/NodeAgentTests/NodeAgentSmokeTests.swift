import Testing
@testable import NodeAgent

@Test func moduleLinks() { #expect(Bool(true)) }
