internal import Glibc

/// Group ownership of files the agent writes for a daemon that drops privileges (chrony's
/// keyfile is root:_chrony 0640, as Debian's package ships it).
public enum FileOwnership {
    /// The id of group `name` from the group database; nil when there is no such group.
    public static func groupID(_ name: String) -> UInt32? {
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }

    /// Gives `path` to group `gid`, leaving its owner as it is.
    public static func setGroup(_ path: String, _ gid: UInt32) throws(HostError) {
        guard chown(path, uid_t.max, gid_t(gid)) == 0 else {
            throw HostError(.io, "cannot give \(path) to group \(gid): \(Errno.current)")
        }
    }

    /// The file's group id and permission bits; nil when it does not exist.
    public static func groupAndMode(_ path: String) -> (group: UInt32, mode: UInt32)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (info.st_gid, UInt32(info.st_mode) & 0o7777)
    }
}
