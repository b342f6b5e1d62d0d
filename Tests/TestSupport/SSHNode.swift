import HostSystem
import SecureTransport

/// A real OpenSSH server on a loopback address, for `meridian deploy` tests: its own port, host
/// key, authorized key (key-only root login) and node root directory.
public final class SSHNode: @unchecked Sendable {
    public let name: String
    public let address: String
    public let port: Int
    public let root: String
    public let pid: Int32

    /// `directory` holds the shared client key (`client_key`) and known_hosts.
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
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let connection = try? PlainConnection.connect(to: Endpoint(host: address, port: UInt16(port)), timeout: .seconds(1)) {
                connection.close()
                return
            }
            ChildProcess.sleep(.milliseconds(50))
        }
        throw TransportError(.connectFailed, "sshd for \(name) did not listen on \(address):\(port)")
    }

    public func stop() {
        ChildProcess.signal(pid, 15)
        _ = ChildProcess.reap(pid)
        // The agent the test started through this node's start command.
        if let bytes = try? AtomicFile.read(root + "/agent.pid"), let agent = Int32(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? "") {
            ChildProcess.signal(agent, 15)
        }
    }

    deinit { stop() }

    static func run(_ argv: [String]) throws {
        let result = try ChildProcess.run(argv, timeout: .seconds(30))
        guard result.succeeded else { throw TransportError(.io, "\(argv.joined(separator: " ")) failed: \(result.stderr)") }
    }
}
