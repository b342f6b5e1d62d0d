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

    /// Inputs whose crash is reported but fixed on another branch: still replayed, expected to
    /// fail until that fix is merged (then `withKnownIssue` fails and the entry must go).
    static let knownIssues = [
        "CivilTime/chrony-text-int64-min":
            "CivilTime.chronyText traps on epochs within a day of Int64.min (overflow in epochSeconds - 86_399); owned by the transport branch",
    ]

    @Test(arguments: inputs)
    func replay(_ input: FuzzRegressionInput) async {
        if let reason = Self.knownIssues[input.description] {
            await withKnownIssue(Comment(rawValue: reason)) { await Self.replayInChild(input) }
        } else {
            await Self.replayInChild(input)
        }
    }

    static func replayInChild(_ input: FuzzRegressionInput) async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) { [harness = input.harness as String, bytes = input.bytes as [UInt8]] in
            try ClockSyncFuzzChecks.check(harness, bytes)
        }
        if let result, result.exitStatus != .exitCode(0) {
            Issue.record("\(input): \(String(decoding: result.standardErrorContent, as: UTF8.self))")
        }
    }

    @Test func everyRegressionFolderHasAReplay() {
        let replayed = Set(ClockSyncFuzzChecks.byHarness.keys).union(["JSON", "FrameDecoder", "RPCCodec"])
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
