import HostSystem
import MeridianService

/// `meridian-bench --mode history`: `days` of `nodes` at one survey per `interval` seconds written
/// through the real store and its real roll-up (hourly, as the watch loop's maintenance would),
/// then the database's size and `HistoryStore.points` for one node's last 24 h (the API's
/// `history.query`). Prints figures; never judges.
enum BenchHistory {
    static func run(directory: String, nodes: Int, days: Double, interval: Double) throws -> [String] {
        let path = directory + "/history.db"
        for suffix in ["", "-wal", "-shm"] { AtomicFile.remove(path + suffix) }
        try AtomicFile.makeDirectories(directory)
        let store = try HistoryStore(path: path)
        let end = WallClock.now().asDouble
        let start = end - days * 86_400
        let names = (1...max(1, nodes)).map { "node\($0)" }
        var time = start
        var batch: [NodeSample] = []
        var surveys = 0
        var lastMaintenance = start
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(seed >> 11) / Double(1 << 53) - 0.5) * 0.002
        }
        let began = ContinuousClock.now
        var maintenanceSeconds = 0.0
        while time < end {
            for (index, name) in names.enumerated() {
                let offset = index == 0 ? nil : noise()
                batch.append(NodeSample(node: name, time: time, offsetSeconds: offset, chronyOffsetSeconds: noise(),
                                        rootDelaySeconds: 0.0002, rootDispersionSeconds: 0.0004 + abs(noise()), stratum: index == 0 ? 10 : 11,
                                        source: index == 0 ? "LOCAL" : "10.0.0.1", synced: true, reachable: true,
                                        state: .ok, reasons: []))
            }
            surveys += 1
            // One write per 5 simulated minutes: the figure is the database, not 86 400 fsyncs.
            if surveys % max(1, Int(300 / interval)) == 0 { try store.record(batch); batch.removeAll(keepingCapacity: true) }
            if time - lastMaintenance >= 3600 {
                try store.record(batch); batch.removeAll(keepingCapacity: true)
                let m = ContinuousClock.now
                try store.maintain(now: time, rawHours: 48, retentionDays: 90)
                maintenanceSeconds += (ContinuousClock.now - m).seconds
                lastMaintenance = time
            }
            time += interval
        }
        try store.record(batch)
        try store.maintain(now: end, rawHours: 48, retentionDays: 90)
        let simulated = (ContinuousClock.now - began).seconds
        try store.close()
        let size = fileSize(path) + fileSize(path + "-wal")

        let reader = try HistoryStore.openForReading(path: path)
        var timings: [Double] = []
        var count = 0
        for _ in 0..<21 {
            let t = ContinuousClock.now
            count = try reader.points(node: "node2", since: end - 86_400).count
            timings.append((ContinuousClock.now - t).seconds * 1000)
        }
        timings.sort()
        let t = ContinuousClock.now
        _ = try reader.summary(since: end - 86_400, toleranceSeconds: 0.05, intervalSeconds: interval)
        let summaryMs = (ContinuousClock.now - t).seconds * 1000
        func f(_ v: Double, _ d: Int = 1) -> String {
            let scale = Double([1, 10, 100, 1000][min(d, 3)])
            return "\((v * scale).rounded() / scale)"
        }
        return [
            "history: \(f(days, 0)) simulated days x \(nodes) nodes, a survey every \(f(interval, 0)) s: \(surveys * nodes) samples written in \(f(simulated)) s (roll-up/retention \(f(maintenanceSeconds)) s in total)",
            "history: database size \(f(Double(size) / 1_048_576)) MB (target <= 100 MB) at \(path)",
            "history: points(node2, last 24 h) = \(count) points: p50 \(f(timings[timings.count / 2], 2)) ms, max \(f(timings.last ?? 0, 2)) ms (target <= 20 ms)",
            "history: summary(all \(nodes) nodes, last 24 h): \(f(summaryMs)) ms",
        ]
    }

    static func fileSize(_ path: String) -> Int {
        guard let stat = try? ChildProcess.run(["/usr/bin/stat", "-c", "%s", path], timeout: .seconds(5)), stat.status == 0 else { return 0 }
        return Int(stat.stdout.filter(\.isNumber)) ?? 0
    }
}
