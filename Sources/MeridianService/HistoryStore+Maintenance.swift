import GRDB

extension AlertState {
    /// Worst first when rolling up: no answer at all is worse than a bad answer, and an answer
    /// we could not judge sits between warning and critical.
    var rank: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        case .unreachable: 4
        }
    }
}

extension HistoryStore {
    /// Width of a roll-up bucket (seconds).
    public static let bucketSeconds: Double = 300

    public struct Maintenance: Sendable, Equatable {
        /// Raw samples folded into buckets.
        public var rolledUp = 0
        /// Rows (samples and events) dropped past the retention.
        public var dropped = 0
    }

    /// Raw samples older than `rawHours` become one row per node and 5-minute bucket (min/mean/
    /// max offset, count, worst verdict, the bucket's last values for the rest); rows older
    /// than `retentionDays` go. Only whole buckets are rolled (the cutoff is rounded down), so a
    /// bucket never ends up in two rows; a late raw sample for a rolled bucket is merged into it.
    @discardableResult
    public func maintain(now: Double, rawHours: Double, retentionDays: Double) throws(ServiceError) -> Maintenance {
        let rawCutoff = ((now - rawHours * 3600) / Self.bucketSeconds).rounded(.down) * Self.bucketSeconds
        let retentionCutoff = now - retentionDays * 86_400
        do {
            return try queue.write { db in
                var done = Maintenance()
                done.rolledUp = try Self.rollUp(db, before: rawCutoff)
                try db.execute(sql: "DELETE FROM sample WHERE time < ?", arguments: [retentionCutoff])
                done.dropped = db.changesCount
                try db.execute(sql: "DELETE FROM event WHERE time < ?", arguments: [retentionCutoff])
                done.dropped += db.changesCount
                return done
            }
        } catch {
            throw ServiceError(.history, "history database \(path): cannot roll up or drop old rows: \(error)")
        }
    }

    struct Bucket {
        var node: String
        var start: Double
        var rows: [Row] = []
    }

    static func rollUp(_ db: Database, before cutoff: Double) throws -> Int {
        let raw = try Row.fetchAll(db, sql: "SELECT rowid AS id, * FROM sample WHERE rolled_up = 0 AND time < ? ORDER BY time",
                                   arguments: [cutoff])
        guard !raw.isEmpty else { return 0 }
        var buckets: [String: Bucket] = [:]
        var order: [String] = []
        for row in raw {
            let node: String = row["node"] ?? ""
            let time: Double = row["time"] ?? 0
            let start = (time / bucketSeconds).rounded(.down) * bucketSeconds
            let key = "\(node)\u{0}\(start)"
            if buckets[key] == nil {
                order.append(key)
                var bucket = Bucket(node: node, start: start)
                // A bucket rolled before (a late sample): fold the old roll-up in too.
                bucket.rows = try Row.fetchAll(db, sql: "SELECT rowid AS id, * FROM sample WHERE rolled_up = 1 AND node = ? AND time = ?",
                                               arguments: [node, start])
                buckets[key] = bucket
            }
            buckets[key]?.rows.append(row)
        }
        for key in order {
            guard let bucket = buckets[key] else { continue }
            // An earlier roll-up folded into this one goes; the raw rows go all at once below.
            for row in bucket.rows where (row["rolled_up"] as Int?) == 1 {
                try db.execute(sql: "DELETE FROM sample WHERE rowid = ?", arguments: [row["id"] as Int64?])
            }
            try insertRollUp(db, bucket)
        }
        // Exactly the rows read above: the same transaction, the same condition.
        try db.execute(sql: "DELETE FROM sample WHERE rolled_up = 0 AND time < ?", arguments: [cutoff])
        return raw.count
    }

    static func insertRollUp(_ db: Database, _ bucket: Bucket) throws {
        var count = 0
        var weightedSum = 0.0
        var measured = 0
        var low: Double?
        var high: Double?
        var worst = AlertState.ok
        var last: Row?
        var lastTime = -Double.infinity
        for row in bucket.rows {
            let n = max(1, row["count"] ?? 1)
            count += n
            if let offset: Double = row["offset"] {
                weightedSum += offset * Double(n)
                measured += n
                let rowLow: Double = row["offset_min"] ?? offset
                let rowHigh: Double = row["offset_max"] ?? offset
                low = min(low ?? rowLow, rowLow)
                high = max(high ?? rowHigh, rowHigh)
            }
            let state = AlertState(rawValue: row["verdict"] ?? "") ?? .unknown
            if state.rank > worst.rank { worst = state }
            let time: Double = row["time"] ?? 0
            if time >= lastTime { lastTime = time; last = row }
        }
        guard let last else { return }
        let mean: Double? = measured > 0 ? weightedSum / Double(measured) : nil
        try db.execute(sql: """
            INSERT INTO sample (node, time, offset, offset_min, offset_max, count, chrony_offset, root_delay, root_dispersion,
                                stratum, source, synced, reachable, verdict, reasons, ceph_skew, rolled_up)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, arguments: [bucket.node, bucket.start, mean, low, high, count,
                             last["chrony_offset"] as Double?, last["root_delay"] as Double?, last["root_dispersion"] as Double?,
                             last["stratum"] as Int?, last["source"] as String?, last["synced"] as Bool? ?? false,
                             last["reachable"] as Bool? ?? false, worst.rawValue, last["reasons"] as String? ?? "[]",
                             last["ceph_skew"] as Double?])
    }
}
