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
        "CivilTime/admin-offset-negative-hours":
            "CivilTime.parseAdminTime takes \"+-7022021:0\" as a UTC offset (hours <= 14 lets negatives through); owned by the transport branch",
        "CivilTime/admin-offset-overflow":
            "CivilTime.parseAdminTime traps on \"+-9999999999999999:00\" (overflow in hours * 3600); owned by the transport branch",
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
        // First in a child process, so a crash fails this input only; a broken property is not
        // a crash there. Then, known not to crash, in this process, so a broken property is
        // reported with its message.
        let survived = await #expect(processExitsWith: .success) { [harness = input.harness as String, bytes = input.bytes as [UInt8]] in
            _ = try? ClockSyncFuzzChecks.check(harness, bytes)
        }
        guard survived != nil else { return }
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
