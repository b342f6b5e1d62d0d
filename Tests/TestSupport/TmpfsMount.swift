import HostSystem
import SecureTransport

/// A small tmpfs mounted over a directory (root only), to make a disk fill up on purpose.
/// `fill()` takes every free byte, `free()` gives them back; released, it unmounts (lazily, if
/// a process still has a file open there), so the directory shows its old contents again.
public final class TmpfsMount: Sendable {
    public let path: String
    var filler: String { path + "/.meridian-test-filler" }

    public init(at path: String, sizeKiB: Int) throws {
        self.path = path
        try AtomicFile.makeDirectories(path)
        try Self.run(["mount", "-t", "tmpfs", "-o", "size=\(sizeKiB)k,mode=0755", "tmpfs", path])
    }

    /// Writes zeros until the file system refuses with ENOSPC (dd exits 1 then, as expected).
    public func fill() throws {
        _ = try ChildProcess.run(["dd", "if=/dev/zero", "of=\(filler)", "bs=1k"], timeout: .seconds(60))
        let probe = try ChildProcess.run(["dd", "if=/dev/zero", "of=\(path)/.meridian-test-probe", "bs=1", "count=1"], timeout: .seconds(10))
        guard !probe.succeeded, probe.stderr.contains("No space left on device") else {
            throw TransportError(.io, "\(path) is not full after filling it: \(probe.stderr)")
        }
    }

    public func free() { AtomicFile.remove(filler) }

    public func unmount() {
        guard (try? ChildProcess.run(["umount", path], timeout: .seconds(30)))?.succeeded == true else {
            _ = try? ChildProcess.run(["umount", "-l", path], timeout: .seconds(30))
            return
        }
    }

    /// True while something is mounted exactly at `path`.
    public var isMounted: Bool {
        let mounts = String(decoding: (try? AtomicFile.read("/proc/self/mounts")) ?? [], as: UTF8.self)
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first.map(String.init) == path }
    }

    deinit { if isMounted { unmount() } }

    static func run(_ argv: [String]) throws {
        let result = try ChildProcess.run(argv, timeout: .seconds(30))
        guard result.succeeded else { throw TransportError(.io, "\(argv.joined(separator: " ")) failed: \(result.stderr)") }
    }
}
