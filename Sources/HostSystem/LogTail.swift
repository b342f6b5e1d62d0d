/// What a process writes to its log from the moment it is started. A restarted process appends
/// to the log its predecessor wrote (`ChildProcess.spawnDetached` opens it `O_APPEND`), so a line
/// the old one logged ("listening on …") must not be taken as the new one's.
public struct LogTail: Sendable {
    public let path: String
    /// The log's length in bytes when the tail was taken: everything before it is an earlier writer's.
    public let offset: Int

    /// Marks the current end of `path` (0 when it does not exist yet). Take it before the spawn.
    public init(_ path: String) {
        self.path = path
        offset = ((try? AtomicFile.read(path)) ?? nil)?.count ?? 0
    }

    /// The text written after the mark; empty when the log cannot be read, or was truncated to
    /// less than the mark (then nothing new can be told from the old).
    public func text() -> String {
        guard let bytes = (try? AtomicFile.read(path)) ?? nil, bytes.count > offset else { return "" }
        return String(decoding: bytes[offset...], as: UTF8.self)
    }

    public func contains(_ line: String) -> Bool { text().contains(line) }
}
