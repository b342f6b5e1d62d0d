import Glibc
import HostSystem

/// Real chronyd's own reading of a config: `chronyd -p -f FILE` parses the file and prints it,
/// exiting 1 on an unknown or malformed directive. It never starts serving, so it touches
/// nothing. Debian's chrony package is needed (scripts/install-deps.sh).
public enum ChronydParse {
    public static let chronyd = "/usr/sbin/chronyd"

    public static var isInstalled: Bool { access(chronyd, X_OK) == 0 }

    /// Writes `config` as `chrony.conf` in `directory` and has chronyd parse it: its exit status
    /// and what it printed (stdout and stderr).
    public static func parse(_ config: String, in directory: TemporaryDirectory) throws -> (status: Int32, printed: String) {
        try directory.write("chrony.conf", config)
        let result = try ChildProcess.run([chronyd, "-p", "-f", directory.file("chrony.conf")], timeout: .seconds(30))
        return (result.status, result.stdout + result.stderr)
    }
}
