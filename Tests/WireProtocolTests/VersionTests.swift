import Testing
import TestSupport
import WireProtocol

/// The version comes from one place: the VERSION file, which the package is named after; the
/// code's constant must say the same (what --version prints and agent.hello reports).
@Test func versionConstantMatchesTheVersionFile() throws {
    let text = try readText(ProtocolVectorTests.root + "/VERSION")
    #expect(text.split(separator: "\n").first.map(String.init) == MeridianVersion.current)
}
