import HostSystem
import Synchronization
import Testing

/// A thread that `DedicatedThread.run` started frees its library state (OpenSSL's, in Meridian)
/// before the caller resumes, not in the destructors after: a command that exits right after
/// must not race them.
@Suite struct DedicatedThreadTests {
    final class Calls: Sendable {
        let threads = Mutex<[String]>([])
    }

    static let calls = Calls()
    static let registered: Void = DedicatedThread.onReleaseThreadState {
        let name = OffPoolTests.threadName()
        calls.threads.withLock { $0.append(name) }
    }

    @Test func runReleasesTheThreadsStateBeforeTheCallerResumes() async throws {
        Self.registered
        let marker = "release-\(UInt32.random(in: 0..<1_000_000))"
        let name = String(marker.prefix(15))
        let released = try await DedicatedThread.run(name: marker) { Self.calls.threads.withLock { $0.contains(name) } }
        #expect(!released, "not before the body ran")
        #expect(Self.calls.threads.withLock { $0.contains(name) }, "released on \(name) before run returned: \(Self.calls.threads.withLock { $0 })")
    }
}
