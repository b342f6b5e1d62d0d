#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ClockSync
import Testing

/// Replays every input under `Fuzz/regressions/<harness>/` for the ClockSync harnesses through
/// the same checks `Fuzz/Harnesses/<harness>.swift` makes, each in its own process (an exit
/// test): a crash fails that one input instead of ending the run, and `swift test` proves each
/// fix without libFuzzer. The JSON, frame and RPC harnesses are replayed in WireProtocolTests.
@Suite struct FuzzRegressionTests {
    static let inputs = FuzzRegressionInput.all(in: Array(ClockSyncFuzzChecks.byHarness.keys))


    @Test(arguments: inputs)
    func replay(_ input: FuzzRegressionInput) {
        Self.replayInProcess(input)
    }

    /// In this process: a regression that crashes again fails the run loudly, and a broken
    /// property is reported with its message. (Not an exit test: Swift Testing 6.3's exit-test
    /// monitor busy-waits in waitid(P_ALL) while any other test's child is unreaped, which
    /// pinned a core and kept the whole run from exiting.)
    static func replayInProcess(_ input: FuzzRegressionInput) {
        #expect(throws: Never.self, "\(input)") { try ClockSyncFuzzChecks.check(input.harness, input.bytes) }
    }

    @Test func everyRegressionFolderHasAReplay() {
        let replayed = Set(ClockSyncFuzzChecks.byHarness.keys).union(["JSON", "FrameDecoder", "RPCCodec", "ProbeResult"])
        let folders = Set(FuzzRegressionInput.folders())
        #expect(folders.subtracting(replayed).isEmpty, "no replay for \(folders.subtracting(replayed).sorted())")
        #expect(folders.contains("ChronySourcesCSV"), "Fuzz/regressions not found at \(FuzzRegressionInput.root)")
    }
}

/// One committed input: `Fuzz/regressions/<harness>/<name>`.
struct FuzzRegressionInput: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    let harness: String
    let name: String
    let bytes: [UInt8]

    var description: String { "\(harness)/\(name)" }
    var testDescription: String { description }

    /// The repository's `Fuzz/regressions`, found from this file's path.
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/ClockSyncTests/FuzzRegressionTests.swift
        return parts.joined(separator: "/") + "/Fuzz/regressions"
    }()

    static func folders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    }

    static func all(in harnesses: [String]) -> [FuzzRegressionInput] {
        harnesses.sorted().flatMap { harness in
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(harness)")) ?? []).sorted()
            return names.compactMap { name in
                (FileManager.default.contents(atPath: "\(root)/\(harness)/\(name)")).map {
                    FuzzRegressionInput(harness: harness, name: name, bytes: Array($0))
                }
            }
        }
    }
}

/// A fuzz property that does not hold, with the harness's own wording.
struct FuzzPropertyBroken: Error, CustomStringConvertible {
    let description: String
}
