import HostSystem
import SecureTransport
import Synchronization

/// A real OpenSSH server on a loopback address, for `meridian deploy` tests: its own port, host
/// key, authorized key (key-only root login) and node root directory.
///
/// sshd runs as root (it must, to log in as root), so tests using it are enabled only as root;
/// CI runs as root. `start` and `stopAndWait()` wait off Swift concurrency's cooperative pool.
public final class SSHNode: Sendable {
    public let name: String
    public let address: String
    public let port: Int
    public let root: String
    public let pid: Int32
    private let stopped = Mutex(false)

    /// Starts sshd off the cooperative pool and returns once it accepts connections.
    public static func start(name: String, address: String, port: Int, directory: String) async throws -> SSHNode {
        try await DedicatedThread.run(name: "sshd-start") { try SSHNode(name: name, address: address, port: port, directory: directory) }
    }

    /// `directory` holds the shared client key (`client_key`) and known_hosts. Blocks: call it
    /// from a thread you own (or use `start`).
    public init(name: String, address: String, port: Int, directory: String) throws {
        self.name = name
        self.address = address
        self.port = port
        let home = directory + "/sshd-" + name
        root = directory + "/root-" + name
        try AtomicFile.makeDirectories(home)
        try AtomicFile.makeDirectories(root)
        try AtomicFile.makeDirectories("/run/sshd", mode: 0o755)
        if !AtomicFile.exists(directory + "/client_key") {
            try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory + "/client_key"])
        }
        try Self.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", home + "/host_key"])
        try AtomicFile.write(try AtomicFile.read(directory + "/client_key.pub") ?? [], to: home + "/authorized_keys", mode: 0o600)
        let config = """
            Port \(port)
            ListenAddress \(address)
            HostKey \(home)/host_key
            PidFile \(home)/sshd.pid
            AuthorizedKeysFile \(home)/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            LogLevel ERROR

            """
        try AtomicFile.write(Array(config.utf8), to: home + "/sshd_config")
        pid = try ChildProcess.spawnDetached(["/usr/sbin/sshd", "-D", "-e", "-f", home + "/sshd_config"], logPath: home + "/sshd.log")
        let hostKey = String(decoding: try AtomicFile.read(home + "/host_key.pub") ?? [], as: UTF8.self)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try AtomicFile.append(Array("[\(address)]:\(port) \(hostKey)\n".utf8), to: directory + "/known_hosts")
        // Generous: it bounds a hang (an sshd that never listens), not start-up speed.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let connection = try? PlainConnection.connect(to: Endpoint(host: address, port: UInt16(port)), timeout: .seconds(1)) {
                connection.close()
                return
            }
            if !ChildProcess.isAlive(pid) { break }
            ChildProcess.sleep(.milliseconds(50))
        }
        ChildProcess.signal(pid, 9)
        _ = ChildProcess.reap(pid)
        let log = String(decoding: (try? AtomicFile.read(home + "/sshd.log")) ?? [], as: UTF8.self)
        throw TransportError(.connectFailed, "sshd for \(name) did not listen on \(address):\(port): \(log)")
    }

    /// The agent the test started through this node's start command, if it still runs.
    public var agentPID: Int32? {
        guard let bytes = try? AtomicFile.read(root + "/agent.pid"),
              let pid = Int32(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""), pid > 1 else { return nil }
        return ChildProcess.isAlive(pid) ? pid : nil
    }

    /// Stops sshd and the node's agent and waits until both are gone, off the pool.
    public func stopAndWait() async {
        _ = try? await DedicatedThread.run(name: "sshd-stop") { self.stop() }
    }

    /// The blocking form of `stopAndWait()`, for threads you own: SIGTERM, SIGKILL after 10 s, then
    /// waits for the exit, so the next test finds the address free and no agent left over.
    public func stop() {
        guard stopped.withLock({ let was = $0; $0 = true; return !was }) else { return }
        let agent = agentPID
        for pid in [Optional(pid), agent].compactMap({ $0 }) {
            ChildProcess.signal(pid, 15)
            if !ProcessWait.untilGone(pid, timeout: .seconds(10)) {
                ChildProcess.signal(pid, 9)
                _ = ProcessWait.untilGone(pid, timeout: .seconds(10))
            }
        }
    }

    /// A test that ends early still leaves nothing running: SIGKILL needs no wait.
    deinit {
        if stopped.withLock({ !$0 }) {
            if let agent = agentPID { ChildProcess.signal(agent, 9) }
            ChildProcess.signal(pid, 9)
            _ = ChildProcess.reap(pid)
        }
    }

    static func run(_ argv: [String]) throws {
        let result = try ChildProcess.run(argv, timeout: .seconds(30))
        guard result.succeeded else { throw TransportError(.io, "\(argv.joined(separator: " ")) failed: \(result.stderr)") }
    }
}
