import HostSystem
import SecureTransport
import Synchronization

/// A real `meridian-agent` process, started from the binary built next to the test bundle.
///
/// Starting and stopping poll the process and its log, so async tests use `launch` and
/// `stopAndWait()`, which do that on a thread of their own: a poll on Swift concurrency's
/// cooperative pool (two threads here) stalls every other test in the process.
public final class AgentProcess: Sendable {
    public let pid: Int32
    public let logPath: String
    private let stopped = Mutex(false)

    /// The directory holding the built executables (the test bundle sits next to them).
    public static var buildDirectory: String {
        let argv0 = CommandLine.arguments.first ?? ""
        var parts = argv0.split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.last, !last.hasSuffix(".xctest") && parts.count > 1 { parts.removeLast() }
        parts.removeLast()
        return parts.joined(separator: "/")
    }

    public static var agentBinary: String { buildDirectory + "/meridian-agent" }
    public static var meridianBinary: String { buildDirectory + "/meridian" }

    /// Starts the agent off the cooperative pool and returns once it logs that it listens.
    public static func launch(configPath: String, logPath: String, environment: [String: String] = [:]) async throws -> AgentProcess {
        try await DedicatedThread.run(name: "agent-launch") {
            try AgentProcess(configPath: configPath, logPath: logPath, environment: environment)
        }
    }

    /// Starts the agent with `configPath` and waits until it logs that it listens. Blocks: call
    /// it from a thread you own (or use `launch`).
    public init(configPath: String, logPath: String, environment: [String: String] = [:]) throws {
        var env = ChildProcess.inheritedEnvironment
        for (key, value) in environment { env[key] = value }
        // Passed by environment too: under libfaketime's LD_PRELOAD a Swift binary sees no argv.
        env["MERIDIAN_AGENT_CONFIG"] = configPath
        self.logPath = logPath
        // A restart appends to the same log: only this process's "listening on" counts.
        let tail = LogTail(logPath)
        pid = try ChildProcess.spawnDetached([Self.agentBinary, "--config", configPath], environment: env, logPath: logPath)
        // Generous: it bounds a hang (an agent that never listens), not start-up speed.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if tail.contains("listening on") { return }
            guard ChildProcess.isAlive(pid) else { break }
            ChildProcess.sleep(.milliseconds(20))
        }
        ChildProcess.signal(pid, 9)
        _ = ChildProcess.reap(pid)
        throw TransportError(.connectFailed, "agent did not start listening; log: \(tail.text())")
    }

    /// SIGTERM, and waits until the process is gone (SIGKILL after 10 s), off the pool.
    public func stopAndWait() async {
        _ = try? await DedicatedThread.run(name: "agent-stop") { self.stop() }
    }

    /// The blocking form of `stopAndWait()`, for threads you own (and `defer`).
    public func stop() {
        guard stopped.withLock({ let was = $0; $0 = true; return !was }) else { return }
        ChildProcess.signal(pid, 15)
        _ = ProcessWait.untilGone(pid, timeout: .seconds(10))
        if ChildProcess.isAlive(pid) { ChildProcess.signal(pid, 9) }
        _ = ProcessWait.untilGone(pid, timeout: .seconds(10))
        FakeClockLeftovers.remove(pid: pid)
    }

    /// A test that ends early (a failed `#require`) still leaves no agent behind: SIGKILL needs
    /// no wait, and the zombie is reaped at once.
    deinit {
        if stopped.withLock({ !$0 }) {
            ChildProcess.signal(pid, 9)
            _ = ChildProcess.reap(pid)
        }
    }
}
