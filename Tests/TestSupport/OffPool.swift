import HostSystem
import Testing

/// Swift Testing calls a synchronous `@Test` function on Swift concurrency's cooperative pool (two
/// threads here). A synchronous test that blocks there (starts an agent and waits for it, makes a
/// TLS handshake, issues certificates with openssl) holds a pool thread for its whole run; two
/// of them at once stall every async task in the test process, including the in-process servers
/// other suites are talking to (the HTTP listener, the API's jobs). Under ThreadSanitizer that
/// lasted 40-50 s and failed HTTPTests and APIJobTests on their deadlines (seen with gdb: both
/// pool threads in AgentChronyTests' handshake and TestPKI's openssl).
///
/// `.offPool` on a suite runs its tests on this executor instead: two threads of our own, so
/// the blocking suites still run two at a time, as before, but never on the cooperative pool.
public final class OffPoolExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = OffPoolExecutor(threads: 2)

    private let queue = ThreadCondition<[UnownedJob]>([])

    init(threads: Int) {
        for index in 0..<threads {
            // A test's stack: deep enough for the expectation macros' closures.
            try? DedicatedThread.start(name: "off-pool-\(index)", stackSize: 8 << 20) { [self] in work() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.update { $0.append(job) }
    }

    private func work() {
        while true {
            let job = queue.wait(timeout: nil) { jobs -> UnownedJob? in jobs.isEmpty ? nil : jobs.removeFirst() }
            job?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs every test of the suite it marks with `OffPoolExecutor.shared` as its task executor.
public struct OffPoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself needs no scope; each of its test cases gets one.
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(OffPoolExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffPoolTrait {
    /// Tests that block (synchronous ones that wait on processes, sockets or openssl) run on
    /// threads of their own, never on the cooperative pool. See `OffPoolExecutor`.
    public static var offPool: Self { OffPoolTrait() }
}
