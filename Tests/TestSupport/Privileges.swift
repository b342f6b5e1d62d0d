import Glibc

/// Who runs the tests. Tests that start sshd, mount a tmpfs or act as root are enabled only
/// when this is true; CI runs as root, so there they always run.
public enum Privileges {
    public static var isRoot: Bool { geteuid() == 0 }
}
