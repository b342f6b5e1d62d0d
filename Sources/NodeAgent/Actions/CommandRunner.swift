import ClockSync
import HostSystem
import SecureTransport
import WireProtocol

/// Runs the agent's whitelisted commands: by argv, with a timeout, bounded output, and a clean
/// environment (no LD_PRELOAD or other variables the agent itself may have been started with).
struct CommandRunner: Sendable {
    let environment: [String: String]

    init() {
        let inherited = ChildProcess.inheritedEnvironment
        var clean = ["PATH": inherited["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        for (key, value) in inherited where key.hasPrefix("MERIDIAN_") { clean[key] = value }
        environment = clean
    }

    static let outputLimit = 256 * 1024

    /// Never throws: a command that cannot start reports status 127 and the reason on stderr.
    func run(_ argv: [String], timeout: Duration = .seconds(30), extraEnvironment: [String: String] = [:]) -> CommandOutput {
        guard !argv.isEmpty else {
            return CommandOutput(command: argv, status: 127, stdout: "", stderr: "not available on this node", timedOut: false)
        }
        do {
            let result = try ChildProcess.run(argv, environment: environment.merging(extraEnvironment) { $1 },
                                              timeout: timeout, maxOutput: Self.outputLimit)
            return CommandOutput(command: argv, status: result.status, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut)
        } catch {
            return CommandOutput(command: argv, status: 127, stdout: "", stderr: "\(error)", timedOut: false)
        }
    }
}

/// The files the agent manages, under the configured root.
struct ManagedFiles: Sendable {
    let root: String
    var chronyConf: String { root + "/etc/chrony/chrony.conf" }
    /// chrony's keyfile (Debian's path under the root): 0640, group _chrony where it exists.
    var keyFile: String { root + ChronyKeyFile.path }
    /// The keyfile before the last change (0600 in the 0700 backup directory).
    var keyBackup: String { backupDirectory + "/" + ChronyKeyFile.backupName }
    var backupDirectory: String { root + ChronyBackups.directory }
    /// The node's chrony.conf as it was before Meridian first wrote it; kept forever.
    var original: String { backupDirectory + "/" + ChronyBackups.originalName }
    var timezoneFile: String { root + "/etc/timezone" }
    var proxmoxFirewall: String { root + "/etc/pve/firewall/cluster.fw" }

    /// Whether `path` is an absolute path under `root` with no `.` or `..` component (with an
    /// empty root, any such absolute path).
    func contains(_ path: String) -> Bool {
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return false }
        return root.isEmpty || path == root || path.hasPrefix(root + "/")
    }

    /// The kernel's RTC device nodes (`/dev/rtc0`, the `/dev/rtc` link, old `/dev/misc/rtc`),
    /// which `hwclock` uses; a container or an RTC-less VM has none.
    var hasRTC: Bool {
        AtomicFile.list(root + "/dev").contains { $0.hasPrefix("rtc") } || AtomicFile.exists(root + "/dev/misc/rtc")
    }

    func readText(_ path: String) -> String? {
        guard let bytes = try? AtomicFile.read(path, limit: 1 << 20) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
