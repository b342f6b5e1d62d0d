import HostSystem
import SecureTransport

/// A real `meridian-agent` process, started from the binary built next to the test bundle.
public final class AgentProcess: @unchecked Sendable {
    public let pid: Int32
    public let logPath: String

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

    /// Starts the agent with `configPath` and waits until it logs that it listens.
    public init(configPath: String, logPath: String, environment: [String: String] = [:]) throws {
        var env = ChildProcess.inheritedEnvironment
        for (key, value) in environment { env[key] = value }
        // Passed by environment too: under libfaketime's LD_PRELOAD a Swift binary sees no argv.
        env["MERIDIAN_AGENT_CONFIG"] = configPath
        self.logPath = logPath
        pid = try ChildProcess.spawnDetached([Self.agentBinary, "--config", configPath], environment: env, logPath: logPath)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let log = try? readText(logPath), log.contains("listening on") { return }
            guard ChildProcess.isAlive(pid) else { break }
            ChildProcess.sleep(.milliseconds(20))
        }
        ChildProcess.signal(pid, 9)
        throw TransportError(.connectFailed, "agent did not start listening; log: \((try? readText(logPath)) ?? "")")
    }

    public func stop() {
        ChildProcess.signal(pid, 15)
        let deadline = ContinuousClock.now + .seconds(3)
        while ChildProcess.isAlive(pid), ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(10)) }
        if ChildProcess.isAlive(pid) { ChildProcess.signal(pid, 9) }
        _ = ChildProcess.reap(pid)
    }

    deinit { stop() }
}
