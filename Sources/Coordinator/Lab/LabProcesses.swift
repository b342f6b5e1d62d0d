import HostSystem
import ClockSync
import JSONCore
import SecureTransport

/// Starting and stopping the lab's processes. Everything started is found again by pid (chronyd's
/// pidfile, the agents' and the clock loop's pids in lab.json), so `lab down` leaves nothing.
public enum LabProcesses {
    /// chronyd for one node: always `-x` (it measures but never touches this machine's clock),
    /// under the node's simulated clock. Fails if chronyd exits at once (a config it refuses).
    public static func startChronyd(_ layout: LabLayout, node: String, timestampShim: String) throws(CoordinatorError) {
        let conf = layout.chronyConf(node)
        guard AtomicFile.exists(timestampShim) else {
            throw CoordinatorError(.notFound, "the lab's timestamp shim is missing at \(timestampShim); run swift build")
        }
        var environment = ChildProcess.inheritedEnvironment
        for (key, value) in layout.fakeClockEnvironment(node, timestampShim: timestampShim) { environment[key] = value }
        let pid: Int32
        do {
            pid = try ChildProcess.spawnDetached(["/usr/sbin/chronyd", "-x", "-n", "-f", conf], environment: environment,
                                                 logPath: layout.chronydLog(node))
        } catch { throw CoordinatorError(.lab, "\(node): cannot start chronyd: \(error)") }
        // Bound by events: chronyd is up once its command socket exists (it binds that after
        // parsing the config), and a config it refuses makes it exit. The deadline only bounds a
        // hang; it is generous because a loaded machine may take seconds (a fixed 700 ms window
        // once let a refused config pass as "still running" when chronyd was slow to exit).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let status = ChildProcess.reap(pid) {
                let log = (try? AtomicFile.read(layout.chronydLog(node))).map { String(decoding: $0.suffix(600), as: UTF8.self) } ?? ""
                throw CoordinatorError(.lab, "\(node): chronyd exited with status \(status) on \(conf): \(log)")
            }
            if AtomicFile.exists(layout.socket(node)) && ChildProcess.isAlive(pid) { return }
            ChildProcess.sleep(.milliseconds(20))
        }
        guard ChildProcess.isAlive(pid) else { throw CoordinatorError(.lab, "\(node): chronyd did not stay up") }
    }

    public static func chronydPID(_ layout: LabLayout, node: String) -> Int32? {
        guard let bytes = try? AtomicFile.read(layout.pidFile(node)),
              let pid = Int32(String(decoding: bytes, as: UTF8.self).trimmingWhitespace), pid > 1 else { return nil }
        return ChildProcess.isAlive(pid) ? pid : nil
    }

    public static func stopChronyd(_ layout: LabLayout, node: String) {
        guard let pid = chronydPID(layout, node: node) else { return }
        stop(pid)
        AtomicFile.remove(layout.socket(node))
    }

    /// What the agent's `restart_chrony` command runs in the lab.
    public static func restartChronyd(_ layout: LabLayout, node: String, timestampShim: String) throws(CoordinatorError) {
        stopChronyd(layout, node: node)
        try startChronyd(layout, node: node, timestampShim: timestampShim)
    }

    public static func startAgent(_ layout: LabLayout, node: String, agentBinary: String) throws(CoordinatorError) -> Int32 {
        var environment = ChildProcess.inheritedEnvironment
        for (key, value) in layout.fakeClockEnvironment(node) { environment[key] = value }
        // Under LD_PRELOAD a Swift binary sees no argv, so the config comes by environment.
        environment["MERIDIAN_AGENT_CONFIG"] = layout.agentConfig(node)
        // The log is appended to: a restarted agent's "listening on" is looked for after the old one's.
        let log = LogTail(layout.agentLog(node))
        let pid: Int32
        do {
            pid = try ChildProcess.spawnDetached([agentBinary], environment: environment, logPath: log.path)
        } catch { throw CoordinatorError(.lab, "\(node): cannot start the agent: \(error)") }
        // Generous: it bounds a hang (an agent that never listens), not start-up speed.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if log.contains("listening on") { return pid }
            if let status = ChildProcess.reap(pid) {
                throw CoordinatorError(.lab, "\(node): agent exited with status \(status): \(log.text())")
            }
            ChildProcess.sleep(.milliseconds(20))
        }
        stop(pid)
        throw CoordinatorError(.lab, "\(node): agent did not start listening within 60 s")
    }

    /// A lab process (agent, clock loop) that may be gone already, killed by a test or crashed:
    /// stopped if it still runs; either way its libfaketime leftovers are removed. True when it
    /// was still running.
    @discardableResult
    public static func release(_ pid: Int32) -> Bool {
        guard pid > 1 else { return false }
        guard ChildProcess.isAlive(pid) else {
            FakeClockLeftovers.remove(pid: pid)
            return false
        }
        stop(pid)
        return true
    }

    /// SIGTERM, then SIGKILL after 3 s; reaps our own children.
    public static func stop(_ pid: Int32) {
        guard pid > 1 else { return }
        defer { FakeClockLeftovers.remove(pid: pid) }
        ChildProcess.signal(pid, 15)
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if ChildProcess.reap(pid) != nil || !ChildProcess.isAlive(pid) { return }
            ChildProcess.sleep(.milliseconds(10))
        }
        ChildProcess.signal(pid, 9)
        _ = ChildProcess.reap(pid)
    }
}

/// What runs in a lab, kept in DIR/lab.json.
public struct LabState: Sendable, Equatable {
    public var nodes: [String]
    public var agents: [String: Int32]
    public var clockd: Int32?

    public init(nodes: [String], agents: [String: Int32] = [:], clockd: Int32? = nil) {
        self.nodes = nodes; self.agents = agents; self.clockd = clockd
    }

    public func save(_ layout: LabLayout) throws(CoordinatorError) {
        var object: [String: JSONValue] = [
            "nodes": .array(nodes.map(JSONValue.string)),
            "agents": .object(agents.mapValues { .integer(Int64($0)) }),
        ]
        if let clockd { object["clockd"] = .integer(Int64(clockd)) }
        do { try AtomicFile.write(JSONValue.object(object).encodedBytes(), to: layout.state) } catch {
            throw CoordinatorError(.io, "cannot write \(layout.state): \(error)")
        }
    }

    public static func load(_ layout: LabLayout) -> LabState? {
        guard let bytes = try? AtomicFile.read(layout.state), let json = try? JSONValue(parsing: bytes) else { return nil }
        let nodes = json["nodes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var agents: [String: Int32] = [:]
        for (node, pid) in json["agents"]?.objectValue ?? [:] { if let pid = pid.intValue { agents[node] = Int32(truncatingIfNeeded: pid) } }
        return LabState(nodes: nodes, agents: agents, clockd: json["clockd"]?.intValue.map { Int32(truncatingIfNeeded: $0) })
    }
}
