import HostSystem
import ClockSync
import WireProtocol

/// The keyfile side of `chrony.apply`. Keys are secrets: the file is 0640 and belongs to group
/// `_chrony` (chronyd drops to that user and must read it) where that group exists; its one
/// backup is 0600 inside the 0700 backup directory; no error names a key's material.
///
/// The loopback lab runs the agent as root on a machine with chrony installed, so the group
/// exists and the chown works; lab chronyd runs `user root` and reads the file either way.
/// Where the group does not exist (no chrony package) the file keeps the agent's group; where
/// the agent may not give the file to `_chrony` (not root), the apply fails and says so rather
/// than leave a keyfile chronyd cannot read.
extension ChronyApplyAction {
    static let keyGroup = "_chrony"

    /// Writes `text` as the keyfile, or removes it when nil.
    func writeKeys(_ text: String?) throws(RPCError) {
        guard let text else { AtomicFile.remove(files.keyFile); return }
        do {
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: files.keyFile))
            try AtomicFile.write(Array(text.utf8), to: files.keyFile, mode: 0o640)
            if let group = FileOwnership.groupID(Self.keyGroup) { try FileOwnership.setGroup(files.keyFile, group) }
        } catch {
            throw RPCError(code: RPCError.actionFailed, message: "write \(ChronyKeyFile.path) (group \(Self.keyGroup), mode 0640): \(error)")
        }
    }

    /// Keeps the keyfile as it was (when there was one), readable by root only.
    func keepKeyBackup(_ previous: String?) throws(RPCError) {
        guard let previous else { return }
        do {
            try AtomicFile.makeDirectories(files.backupDirectory, mode: 0o700)
            try AtomicFile.write(Array(previous.utf8), to: files.keyBackup, mode: 0o600)
        } catch {
            throw RPCError(code: RPCError.actionFailed, message: "cannot back up \(ChronyKeyFile.path): \(error)")
        }
    }
}
