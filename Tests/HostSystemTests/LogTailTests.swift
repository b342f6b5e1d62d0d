import HostSystem
import Testing
import TestSupport

/// A restarted process appends to its predecessor's log: the line the old one wrote is not the
/// new one's (AgentCrashTests' re-run once met an agent that was not listening yet because the
/// wait found the killed agent's "listening on").
@Suite(.offPool) struct LogTailTests {
    @Test func aSecondWriterIsSeenOnlyByWhatItAppends() throws {
        let directory = try TemporaryDirectory("meridian-logtail")
        let path = directory.file("agent.log")
        #expect(LogTail(path).offset == 0, "a log that does not exist yet starts at 0")
        let first = try ChildProcess.spawnDetached(["/bin/sh", "-c", "echo 'listening on 127.0.0.3:7480'"], logPath: path)
        let deadline = ContinuousClock.now + .seconds(10)
        while ChildProcess.reap(first) == nil, ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(10)) }

        let tail = LogTail(path)
        #expect(tail.offset == "listening on 127.0.0.3:7480\n".utf8.count)
        #expect(!tail.contains("listening on"), "the earlier writer's line counts for the next one")
        let second = try ChildProcess.spawnDetached(["/bin/sh", "-c", "echo 'starting'; echo 'listening on 127.0.0.3:7480'"], logPath: path)
        while ChildProcess.reap(second) == nil, ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(10)) }
        #expect(tail.text() == "starting\nlistening on 127.0.0.3:7480\n")
        #expect(tail.contains("listening on"))
    }

    @Test func aLogTruncatedBelowTheMarkReadsEmpty() throws {
        let directory = try TemporaryDirectory("meridian-logtail")
        let path = directory.file("agent.log")
        try AtomicFile.write(Array("old line\nlistening on\n".utf8), to: path)
        let tail = LogTail(path)
        try AtomicFile.write(Array("x\n".utf8), to: path)
        #expect(tail.text() == "")
    }
}
