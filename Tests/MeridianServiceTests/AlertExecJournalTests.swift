import HostSystem
import JSONCore
import MeridianService
import Testing
import TestSupport

/// Exec hooks (real /bin/sh children) and the journal line.
@Suite struct AlertExecJournalTests {
    typealias Rig = AlertWebhookTests.Rig

    @Test func execHookGetsEachEventAsJSONOnStdin() async throws {
        let output = try TemporaryDirectory("meridian-hook")
        let file = output.file("events.jsonl")
        let rig = try Rig { $0.exec = [["/bin/sh", "-c", "cat >> \"$0\"", file]] }
        defer { rig.alerter.stop() }
        try rig.publish([0.0004, 1.02, 1.02])
        #expect(try await rig.idle())
        let lines = try readText(file).split(separator: "\n").map(String.init)
        let stored = try rig.store.events(since: 0).reversed().map { try JSONValue(parsing: $0.json.encodedBytes()) }
        #expect(try lines.map { try JSONValue(parsing: Array($0.utf8)) } == stored, "\(lines)")
        #expect(lines.count == 2)
        #expect(rig.health("/bin/sh")?.delivered == 2 && rig.health("/bin/sh")?.failed == 0)
        #expect(try await AlertSchemaCheck.problems(lines, against: "event.schema.json") == [])
    }

    /// A hook that hangs is killed at `exec_timeout_seconds` (with what it started: `sleep` is
    /// its child); a second hook is not held up by it.
    @Test func hangingHookIsKilledAtTheTimeoutAndDoesNotHoldUpAnother() async throws {
        let output = try TemporaryDirectory("meridian-hook")
        let file = output.file("events.jsonl")
        let marker = "meridian-hang-\(UInt32.random(in: 0...UInt32.max))"
        let rig = try Rig {
            $0.exec = [["/bin/sh", "-c", "sleep 30; echo \(marker)"], ["/bin/sh", "-c", "cat >> \"$0\"", file]]
            $0.execTimeoutSeconds = 1
        }
        defer { rig.alerter.stop() }
        let started = ContinuousClock.now
        try rig.publish([0.0004, 1.02, 1.02])
        let quick = try await DedicatedThread.run(name: "wait-hook") { () -> Bool in
            for _ in 0..<40 {
                if ((try? readText(file)) ?? "").split(separator: "\n").count == 2 { return true }
                ChildProcess.sleep(.milliseconds(50))
            }
            return false
        }
        #expect(quick, "the second hook ran both events within 2 s, beside the hanging one")
        #expect(try await rig.idle())
        let elapsed = ContinuousClock.now - started
        // Two events × 1 s timeout. No upper bound on the wall clock (under AddressSanitizer in a full
        // run this took 45 s of waiting for threads): the kill is proven below, by the hook's
        // health ("killed after 1 s") and by no `sleep 30` left behind.
        #expect(elapsed >= .seconds(2), "two events × 1 s timeout: \(elapsed)")
        let hung = try #require(rig.health("/bin/sh"))
        #expect(hung.failed == 2 && hung.delivered == 0 && hung.lastError == "/bin/sh killed after 1 s (exec_timeout_seconds)", "\(hung)")
        #expect(rig.health("/bin/sh #2")?.delivered == 2)
        #expect(rig.logs.all.filter { $0.contains("alert target /bin/sh: /bin/sh killed after 1 s") && $0.contains("not delivered") }.count == 2, "\(rig.logs.all)")
        let leftovers = try ChildProcess.run(["/usr/bin/pgrep", "-f", "sleep 30; echo \(marker)"], timeout: .seconds(5))
        #expect(leftovers.stdout.isEmpty, "the hook's process group was killed: \(leftovers.stdout)")
    }

    @Test func failingHookIsLoggedWithItsProgramAndStatus() async throws {
        let rig = try Rig { $0.exec = [["/bin/sh", "-c", "echo 'no pager\u{1B}[2J configured' >&2; exit 3"]] }
        defer { rig.alerter.stop() }
        try rig.publish([1.02, 1.02])
        #expect(try await rig.idle())
        let health = try #require(rig.health("/bin/sh"))
        #expect(health.failed == 2 && health.lastError == "/bin/sh exited with status 3: no pager\\x1B[2J configured", "\(health)")
        #expect(rig.logs.all.contains { $0.contains("/bin/sh exited with status 3") }, "\(rig.logs.all)")
    }

    /// The fix the exec hook needed in `ChildProcess.run`: stdin is fed within the deadline, so
    /// a child that never reads it (more input than a pipe holds) is still killed on time, and
    /// a child that reads gets every byte.
    @Test func childStdinIsFedWithinTheDeadline() async throws {
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let result = try await DedicatedThread.run(name: "child") { () -> (CommandResult, Duration, CommandResult) in
            let started = ContinuousClock.now
            let hung = try ChildProcess.run(["/bin/sleep", "30"], input: input, timeout: .seconds(1))
            let elapsed = ContinuousClock.now - started
            let echoed = try ChildProcess.run(["/bin/cat"], input: input, timeout: .seconds(20), maxOutput: 2 << 20)
            return (hung, elapsed, echoed)
        }
        #expect(result.0.timedOut && result.1 < .seconds(4), "\(result.1)")
        #expect(result.2.succeeded && result.2.standardOutput == input)
        let early = try await DedicatedThread.run(name: "child") {
            ProcessSignals.ignoreSIGPIPE()
            return try ChildProcess.run(["/bin/true"], input: input, timeout: .seconds(5))
        }
        #expect(early.succeeded, "a child that exits without reading its stdin is no error: \(early)")
    }

    static let event = AlertEvent(id: 3, kind: .verdictChanged, cluster: "lab", node: "node2", from: .ok, to: .critical,
                                  reasons: ["node2: 1.020 s fast of node1 (tolerance 50 ms)"], time: 1_000)

    @Test(arguments: [
        (event, "<2>meridian: node2 ok -> critical: node2: 1.020 s fast of node1 (tolerance 50 ms)"),
        (AlertEvent(kind: .verdictChanged, cluster: "lab", node: nil, from: .ok, to: .warning, reasons: ["a", "b"], time: 0),
         "<4>meridian: cluster lab ok -> warning: a; b"),
        (AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node2", from: .critical, to: .ok, reasons: [], time: 0),
         "<5>meridian: node2 critical -> ok (recovered)"),
        (AlertEvent(kind: .reminder, cluster: "lab", node: "node3", from: .unreachable, to: .unreachable, reasons: ["node3: connection refused"], time: 0),
         "<2>meridian: node3 still unreachable (reminder): node3: connection refused"),
        (AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node4", from: .ok, to: .unknown, reasons: [], time: 0),
         "<4>meridian: node4 ok -> unknown"),
        (AlertEvent(kind: .verdictChanged, cluster: "lab", node: "evil\n<0>node", from: .ok, to: .critical, reasons: ["\u{1B}[2J\u{202E}x"], time: 0),
         "<2>meridian: evil\\n<0>node ok -> critical: \\x1B[2J\\u{202E}x"),
    ])
    func journalLine(event: AlertEvent, expected: String) {
        #expect(JournalLine.render(event) == expected)
    }

    @Test func journalGetsOneLinePerEvent() async throws {
        let rig = try Rig { _ in }
        defer { rig.alerter.stop() }
        try rig.publish([0.0004, nil, nil, 0.0004, 0.0004])
        #expect(try await rig.idle())
        #expect(rig.journal.all.map { String($0.prefix(3)) } == ["<4>", "<2>", "<5>", "<5>"], "\(rig.journal.all)")
        #expect(rig.journal.all.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().allSatisfy { $0 != "\n" } })
        #expect(rig.journal.all[1].hasPrefix("<2>meridian: node2 ok -> unreachable: node2"), "\(rig.journal.all)")
    }

    /// The validator bites: each change breaks the event schema once.
    @Test func eventSchemaRefusesDrift() async throws {
        let good = Self.event.json
        guard case .object(let members) = good else { Issue.record("event JSON is not an object"); return }
        var bad: [String] = []
        for (key, value) in [("event", JSONValue.string("changed")), ("to", .string("fine")), ("node", .integer(2)), ("colour", .string("blue"))] {
            var changed = members
            changed[key] = value
            bad.append(JSONValue.object(changed).encodedText)
        }
        var missing = members
        missing["reasons"] = nil
        bad.append(JSONValue.object(missing).encodedText)
        #expect(try await AlertSchemaCheck.problems([good.encodedText], against: "event.schema.json") == [])
        for instance in bad {
            #expect(try await AlertSchemaCheck.problems([instance], against: "event.schema.json").count == 1, "\(instance)")
        }
    }
}
