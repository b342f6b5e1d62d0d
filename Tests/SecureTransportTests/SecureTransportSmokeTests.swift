import Testing
@testable import SecureTransport

@Test func moduleLinks() { #expect(Bool(true)) }
