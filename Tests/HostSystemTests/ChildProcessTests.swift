import Glibc
import HostSystem
import Testing
import TestSupport

/// What `ChildProcess.run` promises: a timeout kills the whole process group, captured output is
/// bounded, and a given environment is the complete environment.
@Suite(.offPool) struct ChildProcessTests {
    @Test func aTimeoutKillsTheGrandchildrenToo() throws {
        let directory = try TemporaryDirectory("meridian-child")
        let pidFile = directory.file("grandchild.pid")
        let result = try ChildProcess.run(["/bin/sh", "-c", "sleep 300 & echo $! > \(pidFile); wait"], timeout: .milliseconds(500))
        #expect(result.timedOut)
        #expect(!result.succeeded)
        let grandchild = try #require(Int32(try readText(pidFile).split(separator: "\n").first ?? ""))
        // Killed with the group: gone (or a zombie awaiting init) within moments, not after 300 s.
        let deadline = ContinuousClock.now + .seconds(10)
        while ChildProcess.isAlive(grandchild), ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(20)) }
        #expect(!ChildProcess.isAlive(grandchild), "grandchild \(grandchild) survived the timeout")
    }

    /// A descriptor the caller left inheritable (as `flock FILE cmd` leaves its lock) does not
    /// reach the child: a lab container started under a test's lock must not keep it held.
    @Test func theChildInheritsNoDescriptorBeyondItsThree() throws {
        let directory = try TemporaryDirectory("meridian-child")
        let path = directory.file("held")
        let fd = open(path, O_CREAT | O_RDWR, 0o600)  // no O_CLOEXEC, on purpose
        try #require(fd > 2)
        defer { close(fd) }
        let result = try ChildProcess.run(["/bin/sh", "-c", "if [ -e /proc/self/fd/\(fd) ]; then echo open; else echo closed; fi"], timeout: .seconds(10))
        #expect(result.stdout == "closed\n", "fd \(fd) reached the child: \(result.stdout)")
    }

    @Test func outputIsBoundedAndTheChildStillFinishes() throws {
        let result = try ChildProcess.run(["/bin/sh", "-c", "head -c 3000000 /dev/zero; head -c 5000 /dev/zero >&2"],
                                          timeout: .seconds(30), maxOutput: 1000)
        #expect(result.status == 0 && !result.timedOut, "\(result.status)")
        #expect(result.standardOutput.count == 1000)
        #expect(result.standardError.count == 1000)
        #expect(result.outputTruncated)
    }

    @Test func smallOutputIsNotTruncated() throws {
        let result = try ChildProcess.run(["/bin/echo", "hello"], timeout: .seconds(30))
        #expect(result.stdout == "hello\n")
        #expect(!result.outputTruncated)
    }

    @Test func aGivenEnvironmentIsTheWholeEnvironment() throws {
        let result = try ChildProcess.run(["/usr/bin/env"], environment: ["MERIDIAN_ONLY": "yes"], timeout: .seconds(30))
        #expect(result.stdout == "MERIDIAN_ONLY=yes\n")
    }

    @Test func aNilEnvironmentIsInherited() throws {
        let result = try ChildProcess.run(["/usr/bin/env"], timeout: .seconds(30))
        let path = try #require(ChildProcess.inheritedEnvironment["PATH"])
        #expect(result.stdout.split(separator: "\n").contains("PATH=\(path)"[...]))
    }

    @Test func anEmptyCommandIsAnError() {
        #expect(throws: HostError.self) { try ChildProcess.run([], timeout: .seconds(1)) }
    }
}
