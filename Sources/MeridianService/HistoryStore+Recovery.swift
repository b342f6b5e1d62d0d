import GRDB
internal import Glibc

extension HistoryStore {
    /// Opens the service's database; one that is not SQLite or is malformed is moved aside to
    /// `PATH.corrupt-UNIXTIME` (with its -wal and -shm files), `log` names both paths, and a
    /// new one is started. The history is lost, but the service runs: refusing to start would
    /// only make systemd restart it into the same failure (a crash loop), watching nothing.
    public static func open(path: String, now: Double, log: (String) -> Void) throws(ServiceError) -> HistoryStore {
        do {
            return HistoryStore(path: path, queue: try openQueue(path))
        } catch let error as DatabaseError where isCorruption(error) {
            let aside = "\(path).corrupt-\(Int64(now.rounded(.down)))"
            for suffix in ["", "-wal", "-shm"] where access(path + suffix, F_OK) == 0 {
                guard rename(path + suffix, aside + suffix) == 0 else {
                    throw ServiceError(.history, "history database \(path) is corrupt (\(error.message ?? "\(error)")) and cannot be moved to \(aside + suffix): errno \(errno)")
                }
            }
            log("history: \(path) is not a usable SQLite database (\(error.message ?? "\(error.resultCode)")); moved it to \(aside) and started a new one")
            do {
                return HistoryStore(path: path, queue: try openQueue(path))
            } catch {
                throw ServiceError(.history, "history database \(path): cannot start a new one after moving the corrupt one to \(aside): \(error)")
            }
        } catch {
            throw ServiceError(.history, "history database \(path): \(error)")
        }
    }

    static func isCorruption(_ error: DatabaseError) -> Bool {
        [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode.primaryResultCode)
    }

    /// Opens an existing database for reading only (`meridian history` beside the running
    /// service: WAL lets a reader in while the service writes).
    public static func openForReading(path: String) throws(ServiceError) -> HistoryStore {
        guard access(path, F_OK) == 0 else {
            throw ServiceError(.history, "no history database at \(path) (meridian serve keeps it in state_dir; has it run?)")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            return HistoryStore(path: path, queue: try DatabaseQueue(path: path, configuration: configuration))
        } catch {
            throw ServiceError(.history, "history database \(path): \(error)")
        }
    }
}
