import GRDB
import JSONCore

/// One point of a node's history: a raw sample, or (older than `raw_hours`) a 5-minute roll-up,
/// where `offsetSeconds` is the mean and `count` says how many samples it stands for.
public struct HistoryPoint: Sendable, Equatable {
    public var sample: NodeSample
    public var offsetMinSeconds: Double?
    public var offsetMaxSeconds: Double?
    public var count: Int

    public init(sample: NodeSample, offsetMinSeconds: Double? = nil, offsetMaxSeconds: Double? = nil, count: Int = 1) {
        self.sample = sample; self.offsetMinSeconds = offsetMinSeconds; self.offsetMaxSeconds = offsetMaxSeconds; self.count = count
    }

    public var json: JSONValue {
        let s = sample
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return .object([
            "time": .number(s.time), "node": .string(s.node),
            "offset_seconds": number(s.offsetSeconds), "offset_min_seconds": number(offsetMinSeconds ?? s.offsetSeconds),
            "offset_max_seconds": number(offsetMaxSeconds ?? s.offsetSeconds),
            "chrony_offset_seconds": number(s.chronyOffsetSeconds), "root_delay_seconds": number(s.rootDelaySeconds),
            "root_dispersion_seconds": number(s.rootDispersionSeconds),
            "stratum": s.stratum.map { .integer(Int64($0)) } ?? .null, "source": s.source.map(JSONValue.string) ?? .null,
            "synced": .bool(s.synced), "reachable": .bool(s.reachable), "verdict": .string(s.state.rawValue),
            "reasons": .array(s.reasons.map(JSONValue.string)), "ceph_skew_seconds": number(s.cephSkewSeconds),
            "count": .integer(Int64(count)),
        ])
    }
}

/// The service's history: every survey's samples and every alert event, in one SQLite database
/// (GRDB, WAL, one writer: the watch loop). Readers (API, HTTP) run on their own threads.
public final class HistoryStore: Sendable {
    public let path: String
    let queue: DatabaseQueue

    public init(path: String) throws(ServiceError) {
        self.path = path
        do { queue = try Self.openQueue(path) } catch {
            throw ServiceError(.history, "history database \(path): \(error)")
        }
    }

    init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens (creating) the database, migrates it and checks its pages (`quick_check`): a file
    /// that is not SQLite or is malformed fails here, at start, not at the first write.
    static func openQueue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        // Checked before the migrator runs: it would write into a damaged file.
        let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard check == ["ok"] else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "quick_check: \(check.prefix(3).joined(separator: "; "))")
        }
        try migrator.migrate(queue)
        return queue
    }

    /// Closes the database (a checkpoint folds the WAL into the file). Later calls fail.
    public func close() throws(ServiceError) {
        do { try queue.close() } catch {
            throw ServiceError(.history, "history database \(path): cannot close: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sample (
                    node TEXT NOT NULL, time REAL NOT NULL, offset REAL, offset_min REAL, offset_max REAL,
                    count INTEGER NOT NULL DEFAULT 1, chrony_offset REAL, root_delay REAL, root_dispersion REAL,
                    stratum INTEGER, source TEXT, synced INTEGER NOT NULL, reachable INTEGER NOT NULL,
                    verdict TEXT NOT NULL, reasons TEXT NOT NULL, ceph_skew REAL, rolled_up INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX sample_node_time ON sample(node, time);
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, cluster TEXT NOT NULL, node TEXT,
                    from_state TEXT NOT NULL, to_state TEXT NOT NULL, reasons TEXT NOT NULL, time REAL NOT NULL);
                CREATE INDEX event_time ON event(time);
                """)
        }
        // The roll-up looks for raw rows past raw_hours every few minutes: without this (partial,
        // so only raw rows pay for it) each pass scanned the whole table, 0.46 s per hour of
        // 32 nodes in a 30-day bench.
        migrator.registerMigration("v2-raw-time") { db in
            try db.execute(sql: "CREATE INDEX sample_raw_time ON sample(time) WHERE rolled_up = 0")
        }
        // The status page's chart reads (node, time, offset) over a week: with the offset in the
        // index that is an index range scan, not a table lookup per row (bench-monitor.sh).
        // It serves every (node, time) lookup too, so the v1 index on those two goes.
        migrator.registerMigration("monitor-offset-index") { db in
            try db.execute(sql: "CREATE INDEX sample_node_time_offset ON sample(node, time, offset)")
            try db.execute(sql: "DROP INDEX sample_node_time")
        }
        return migrator
    }

    public func record(_ samples: [NodeSample]) throws(ServiceError) {
        do {
            try queue.write { db in
                for s in samples {
                    try db.execute(sql: """
                        INSERT INTO sample (node, time, offset, chrony_offset, root_delay, root_dispersion, stratum, source,
                                            synced, reachable, verdict, reasons, ceph_skew)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [s.node, s.time, s.offsetSeconds, s.chronyOffsetSeconds, s.rootDelaySeconds,
                                         s.rootDispersionSeconds, s.stratum, s.source, s.synced, s.reachable,
                                         s.state.rawValue, Self.encode(s.reasons), s.cephSkewSeconds])
                }
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot record a survey: \(error)")
        }
    }

    /// Stores the event and returns it with its id.
    public func record(_ event: AlertEvent) throws(ServiceError) -> AlertEvent {
        do {
            return try queue.write { db in
                try db.execute(sql: "INSERT INTO event (kind, cluster, node, from_state, to_state, reasons, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [event.kind.rawValue, event.cluster, event.node, event.from.rawValue, event.to.rawValue,
                                           Self.encode(event.reasons), event.time])
                var stored = event
                stored.id = db.lastInsertedRowID
                return stored
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot record an event: \(error)")
        }
    }

    /// A node's points with `since <= time < until`, oldest first.
    public func points(node: String, since: Double, until: Double = .infinity) throws(ServiceError) -> [HistoryPoint] {
        do {
            return try queue.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.pointColumns) FROM sample WHERE node = ? AND time >= ? AND time < ? ORDER BY time",
                                               arguments: [node, since, until.isFinite ? until : Double.greatestFiniteMagnitude])
                var points: [HistoryPoint] = []
                while let row = try rows.next() { points.append(Self.point(row)) }
                return points
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot read \(node)'s history: \(error)")
        }
    }

    /// A node's offsets with `since <= time < until`, averaged in SQLite into at most `buckets`
    /// equal slices of the window (mean time, mean offset), oldest first: what the status page's
    /// chart draws, without decoding a week of full rows (9 s for 32 nodes in a debug build).
    public func offsetSeries(node: String, since: Double, until: Double, buckets: Int) throws(ServiceError) -> [(time: Double, offset: Double)] {
        let width = (until - since) / Double(max(1, buckets))
        guard width.isFinite, width > 0 else { return [] }
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT AVG(time) AS t, AVG(offset) AS o FROM sample
                    WHERE node = ? AND time >= ? AND time < ? AND offset IS NOT NULL
                    GROUP BY CAST((time - ?) / ? AS INTEGER) ORDER BY t
                    """, arguments: [node, since, until, since, width]).compactMap { row in
                    guard let time: Double = row["t"], let offset: Double = row["o"] else { return nil }
                    return (time, offset)
                }
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot read \(node)'s offsets: \(error)")
        }
    }

    /// Events with `time >= since`, newest first, at most `limit`.
    public func events(since: Double, limit: Int = 1000) throws(ServiceError) -> [AlertEvent] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM event WHERE time >= ? ORDER BY id DESC LIMIT ?",
                                 arguments: [since, max(1, min(limit, 100_000))]).map(Self.event)
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot read events: \(error)")
        }
    }

    /// The columns `point` reads, by position: a name lookup per cell cost more than the query
    /// (2 880 points, one node's day, must come back in a few milliseconds).
    static let pointColumns = "node, time, offset, chrony_offset, root_delay, root_dispersion, stratum, source, synced, reachable, verdict, reasons, ceph_skew, offset_min, offset_max, count"

    static func point(_ row: Row) -> HistoryPoint {
        let state = AlertState(rawValue: row[10] ?? "") ?? .unknown
        let sample = NodeSample(
            node: row[0] ?? "", time: row[1] ?? 0, offsetSeconds: row[2], chronyOffsetSeconds: row[3],
            rootDelaySeconds: row[4], rootDispersionSeconds: row[5], stratum: row[6], source: row[7],
            synced: row[8] ?? false, reachable: row[9] ?? false, state: state, reasons: decode(row[11]), cephSkewSeconds: row[12])
        return HistoryPoint(sample: sample, offsetMinSeconds: row[13], offsetMaxSeconds: row[14], count: row[15] ?? 1)
    }

    static func event(_ row: Row) -> AlertEvent {
        AlertEvent(id: row["id"] ?? 0, kind: AlertEvent.Kind(rawValue: row["kind"] ?? "") ?? .verdictChanged,
                   cluster: row["cluster"] ?? "", node: row["node"],
                   from: AlertState(rawValue: row["from_state"] ?? "") ?? .unknown,
                   to: AlertState(rawValue: row["to_state"] ?? "") ?? .unknown,
                   reasons: decode(row["reasons"]), time: row["time"] ?? 0)
    }

    static func encode(_ reasons: [String]) -> String { JSONValue.array(reasons.map(JSONValue.string)).encodedText }

    static func decode(_ text: String?) -> [String] {
        guard let text, text != "[]", let value = try? JSONValue(parsing: Array(text.utf8)) else { return [] }
        return value.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
