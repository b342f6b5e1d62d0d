internal import Glibc

/// Files replaced so that a crash at any instant leaves either the old or the new content:
/// write a temporary file beside the target, fsync it, rename it over the target, fsync the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(HostError) {
        let directory = parentDirectory(of: path)
        let temporary = "\(path).meridian-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw HostError(.io, "cannot create \(temporary): \(Errno.current)") }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = "write: \(Errno.current)"; return }
                offset += n
            }
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = "chmod: \(Errno.current)" }
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(Errno.current)" }
        Glibc.close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = "rename to \(path): \(Errno.current)" }
        if let failure {
            unlink(temporary)
            throw HostError(.io, "cannot write \(path): \(failure)")
        }
        syncDirectory(directory)
    }

    /// Reads a whole file; nil when it does not exist.
    /// Removes the temporary files an earlier process left beside `path` when it died between
    /// creating and renaming one (`write` names them `PATH.meridian-tmp-PID-N`). Ours (this
    /// pid) may be in flight on another thread and are kept. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(of path: String) -> [String] {
        let directory = parentDirectory(of: path)
        let prefix = String(path.split(separator: "/").last ?? "") + ".meridian-tmp-"
        let ours = prefix + "\(getpid())-"
        var removed: [String] = []
        for name in list(directory) where name.hasPrefix(prefix) && !name.hasPrefix(ours) {
            if unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }

    public static func read(_ path: String, limit: Int = 16 << 20) throws(HostError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw HostError(.io, "cannot open \(path): \(Errno.current)")
        }
        defer { Glibc.close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw HostError(.io, "cannot read \(path): \(Errno.current)") }
            if n == 0 { return result }
            result += buffer[0..<n]
            if result.count > limit { throw HostError(.limit, "\(path) is larger than \(limit) bytes") }
        }
    }

    /// Creates a directory and its parents (like mkdir -p) with `mode` for the ones it creates.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws(HostError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw HostError(.io, "cannot create directory \(current): \(Errno.current)")
            }
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Appends and fsyncs (journals: every line must survive a crash right after it).
    public static func append(_ bytes: [UInt8], to path: String) throws(HostError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostError(.io, "cannot open \(path): \(Errno.current)") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw HostError(.io, "cannot append to \(path): \(Errno.current)")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw HostError(.io, "cannot fsync \(path): \(Errno.current)") }
    }

    public static func setPermissions(_ path: String, _ mode: UInt32) throws(HostError) {
        guard chmod(path, mode_t(mode)) == 0 else { throw HostError(.io, "cannot chmod \(path): \(Errno.current)") }
    }

    /// True for a regular file (after following links).
    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Where a symbolic link points, or nil.
    public static func symlinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func remove(_ path: String) { unlink(path) }

    /// Names in a directory (without . and ..), sorted; [] when it does not exist.
    public static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        Glibc.close(fd)
    }

}
