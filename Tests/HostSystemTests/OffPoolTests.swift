import Testing
import TestSupport

/// `.offPool` moves a suite's tests, synchronous ones included, off the cooperative pool.
@Suite(.offPool) struct OffPoolTests {
    /// The calling thread's name, from /proc (Glibc's module does not offer pthread_getname_np).
    static func threadName() -> String {
        String(((try? readText("/proc/thread-self/comm")) ?? "").prefix { $0 != "\n" })
    }

    @Test func aSynchronousTestRunsOnAThreadOfItsOwn() {
        #expect(Self.threadName().hasPrefix("off-pool-"), "ran on \(Self.threadName())")
    }

    @Test func anAsyncTestResumesThereAfterAnAwait() async throws {
        try await Task.sleep(for: .milliseconds(10))
        #expect(Self.threadName().hasPrefix("off-pool-"), "ran on \(Self.threadName())")
    }
}

/// Without the trait, a synchronous test is on Swift concurrency's pool: the reason for it.
@Suite struct OnPoolTests {
    @Test func aSynchronousTestRunsOnTheCooperativePool() {
        #expect(!OffPoolTests.threadName().hasPrefix("off-pool-"), "ran on \(OffPoolTests.threadName())")
    }
}
