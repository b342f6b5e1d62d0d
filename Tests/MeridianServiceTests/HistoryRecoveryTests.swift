import HostSystem
import TestSupport
import MeridianService
import Synchronization
import Testing

/// A database that is not SQLite, or is malformed, is moved aside with a log line naming both
/// paths, and a new one starts (no crash loop).
@Suite(.offPool) struct HistoryRecoveryTests {
    static let now = 1_800_000_123.0

    enum Damage: String, CaseIterable { case garbage, truncated, zeroedPages }

    /// A real database with enough rows to span many pages, closed (checkpointed) before damage.
    func realDatabase(_ path: String) throws {
        let store = try HistoryStore(path: path)
        let samples = (0..<4000).map { i in
            NodeSample(node: "node\(i % 8)", time: Self.now - Double(i), offsetSeconds: 0.001, source: "127.0.0.2",
                       synced: true, reachable: true, state: .ok, reasons: ["a reason long enough to fill pages \(i)"])
        }
        try store.record(samples)
        try store.close()
        #expect(!AtomicFile.exists(path + "-wal"), "closed: checkpointed, the WAL gone")
    }

    @Test(arguments: Damage.allCases)
    func corruptDatabaseIsMovedAsideAndANewOneStarts(damage: Damage) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("history.db")
        switch damage {
        case .garbage:
            try AtomicFile.write(Array((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }), to: path)
        case .truncated:
            try realDatabase(path)
            let bytes = try #require(try AtomicFile.read(path, limit: 64 << 20))
            #expect(bytes.count > 100_000, "a database of many pages (\(bytes.count) bytes)")
            try AtomicFile.write(Array(bytes.prefix(bytes.count / 2)), to: path)
        case .zeroedPages:
            try realDatabase(path)
            var bytes = try #require(try AtomicFile.read(path, limit: 64 << 20))
            for i in 4096..<min(bytes.count, 4096 * 6) { bytes[i] = 0xA5 }
            try AtomicFile.write(bytes, to: path)
        }
        let original = try #require(try AtomicFile.read(path, limit: 64 << 20))
        let lines = Mutex<[String]>([])
        let store = try HistoryStore.open(path: path, now: Self.now) { line in lines.withLock { $0.append(line) } }
        let aside = path + ".corrupt-1800000123"
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1 && logged[0].contains(path) && logged[0].contains(aside), "\(logged)")
        let kept = try #require(try AtomicFile.read(aside, limit: 64 << 20))
        if damage == .zeroedPages {
            // Opening in WAL mode lets SQLite (GRDB's WAL setup) touch the header before the
            // check finds the damaged pages: the file is kept, not byte for byte.
            #expect(kept.count >= original.count && kept.starts(with: Array("SQLite format 3".utf8)), "kept for a post-mortem")
        } else {
            let same = kept == original
            #expect(same, "the damaged file is kept, untouched, for a post-mortem: \(kept.count) vs \(original.count) bytes")
        }
        // The new one works and survives a reopen with no complaint.
        try store.record([NodeSample(node: "node1", time: Self.now, synced: true, reachable: true, state: .ok, reasons: [])])
        let reopened = try HistoryStore.open(path: path, now: Self.now + 1) { line in Issue.record("unexpected: \(line)") }
        #expect(try reopened.points(node: "node1", since: 0).count == 1)
    }

    /// The control: a healthy database is opened as it is, nothing moved.
    @Test func healthyDatabaseIsKept() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("history.db")
        try realDatabase(path)
        let store = try HistoryStore.open(path: path, now: Self.now) { line in Issue.record("unexpected: \(line)") }
        #expect(try store.points(node: "node0", since: 0).count == 500)
        #expect(!AtomicFile.exists(path + ".corrupt-1800000123"))
    }

    /// A directory where the file should be is no corruption: a clear error, nothing moved.
    @Test func unopenablePathIsAnErrorNamingIt() throws {
        let dir = try TemporaryDirectory()
        try AtomicFile.makeDirectories(dir.file("history.db"))
        #expect { try HistoryStore.open(path: dir.file("history.db"), now: Self.now) { _ in } } throws: { "\($0)".contains(dir.file("history.db")) }
    }
}
