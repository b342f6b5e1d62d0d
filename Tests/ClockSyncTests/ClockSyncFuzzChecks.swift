import ClockSync

/// The properties each ClockSync harness in `Fuzz/Harnesses` checks, for replaying its
/// regression inputs under `swift test`. Keep each in step with its harness.
enum ClockSyncFuzzChecks {
    typealias Check = @Sendable (_ bytes: [UInt8], _ text: String) throws(FuzzPropertyBroken) -> Void

    static func check(_ harness: String, _ bytes: [UInt8]) throws(FuzzPropertyBroken) {
        guard let check = byHarness[harness] else { throw FuzzPropertyBroken(description: "no check for harness \(harness)") }
        try check(bytes, String(decoding: bytes, as: UTF8.self))
    }

    static func require(_ condition: Bool, _ what: @autoclosure () -> String) throws(FuzzPropertyBroken) {
        if !condition { throw FuzzPropertyBroken(description: "fuzz property broken: \(what())") }
    }

    static let byHarness: [String: Check] = [
        "ChronyTrackingCSV": { _, text throws(FuzzPropertyBroken) in
            guard let tracking = try? ChronyTracking(csv: text) else { return }
            try trackingInRange(tracking, extra: [tracking.referenceTime])
        },
        "ChronySourcesCSV": { _, text throws(FuzzPropertyBroken) in try sourcesInRange(try? ChronySources.parse(csv: text)) },
        "QuorumPvecm": { _, text throws(FuzzPropertyBroken) in try membersInRange(try? QuorumStatus(pvecmStatus: text)) },
        "QuorumQuorumtool": { _, text throws(FuzzPropertyBroken) in try membersInRange(try? QuorumStatus(quorumtool: text)) },
        "CephStatus": { _, text throws(FuzzPropertyBroken) in
            guard let status = try? CephStatus(json: text) else { return }
            try require(status.status.hasPrefix("HEALTH_"), "status \"\(status.status)\"")
            let codes = status.checks.map(\.code)
            try require(codes == codes.sorted() && Set(codes).count == codes.count, "check codes \(codes)")
        },
        "CephTimeSync": { _, text throws(FuzzPropertyBroken) in
            guard let sync = try? CephTimeSync(json: text) else { return }
            let names = sync.monitors.map(\.name)
            try require(names == names.sorted() && Set(names).count == names.count, "monitor names \(names)")
            for monitor in sync.monitors {
                try require(monitor.skewSeconds.isFinite && monitor.latencySeconds.isFinite, "\(monitor.name): skew/latency not finite")
                try require(monitor.health.hasPrefix("HEALTH_"), "\(monitor.name): health \"\(monitor.health)\"")
                try require(monitor.details.map { !$0.isEmpty } ?? true, "\(monitor.name): empty details kept")
            }
        },
        "Timedatectl": { _, text throws(FuzzPropertyBroken) in
            guard let status = try? TimedateStatus(show: text) else { return }
            try require(!status.timezone.isEmpty, "empty time zone")
            try require(!status.timezone.contains("\n") && !status.timezone.contains("\r\n"), "time zone \"\(status.timezone)\" spans lines")
        },
        "FirewallUfw": { _, text throws(FuzzPropertyBroken) in try sameVerdict(text) { try? FirewallRules.ufw($0) } },
        "FirewallProxmox": { _, text throws(FuzzPropertyBroken) in try sameVerdict(text) { FirewallRules.proxmox($0) } },
        "FirewallNftables": { _, text throws(FuzzPropertyBroken) in try sameVerdict(text) { FirewallRules.nftables($0) } },
        "CorosyncConf": { _, text throws(FuzzPropertyBroken) in
            _ = CorosyncConf.clusterName(in: text)
            guard let nodes = try? CorosyncConf.nodes(in: text) else { return }
            try require(!nodes.isEmpty, "no nodes and no error")
            if !text.utf8.contains(13) {
                try require((try? CorosyncConf.nodes(in: crlf(text))) == nodes, "CRLF line endings read differently")
            }
        },
        "ClusterFile": { bytes, _ throws(FuzzPropertyBroken) in
            let zones: (String) -> Bool = { $0 == "UTC" || $0 == "Europe/Berlin" || $0 == "Asia/Jakarta" }
            let file: ClusterFile
            do throws(ClusterFileError) { file = try ClusterFile.parse(json: bytes, timezoneExists: zones) } catch {
                try require(!error.path.isEmpty && !error.problem.isEmpty, "error without a path or problem: \(error)")
                return
            }
            try require((1...3).contains(file.timeServers.count), "\(file.timeServers.count) time servers")
            try require(file.maxOffsetSeconds > 0 && file.maxOffsetSeconds <= 10, "max offset \(file.maxOffsetSeconds)")
            let again = try? ClusterFile.parse(json: Array(file.jsonText().utf8), timezoneExists: zones)
            try require(again == file, "jsonText() does not round-trip:\n\(file.jsonText())")
        },
        "CivilTime": { bytes, text throws(FuzzPropertyBroken) in
            let highest: Int64 = 7_289_654_400 + 15 * 3600
            if let epoch = try? CivilTime.parseAdminTime(text) {
                try require(epoch >= -14 * 3600 && epoch < highest, "epoch \(epoch) from \"\(text)\"")
                if epoch >= 0 { try chronyRoundTrip(epoch) }
            }
            if let epoch = try? CivilTime.parseChronyText(text) {
                try require(epoch >= 0 && epoch < highest, "epoch \(epoch) from \"\(text)\"")
                try chronyRoundTrip(epoch)
            }
            if bytes.count >= 8 {
                let epoch = bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
                let printed = CivilTime.chronyText(epochSeconds: epoch)  // the harness's known-issue guard is not here
                if epoch >= 0 && epoch < 7_289_654_400 {
                    try require((try? CivilTime.parseChronyText(printed)) == epoch, "\(epoch) prints as \"\(printed)\"")
                }
            }
        },
    ]

    static func trackingInRange(_ tracking: ChronyTracking, extra: [Double]) throws(FuzzPropertyBroken) {
        try require(tracking.referenceID.count == 8 && tracking.referenceID.allSatisfy { $0.isHexDigit && !$0.isLowercase },
                    "reference ID \"\(tracking.referenceID)\"")
        let numbers = [tracking.offsetSeconds, tracking.lastOffsetSeconds, tracking.rmsOffsetSeconds, tracking.frequencyPPM,
                       tracking.skewPPM, tracking.rootDelaySeconds, tracking.rootDispersionSeconds,
                       tracking.updateIntervalSeconds] + extra
        try require(numbers.allSatisfy(\.isFinite), "a tracking number is not real: \(numbers)")
    }

    static func sourcesInRange(_ parsed: ChronySources?) throws(FuzzPropertyBroken) {
        for source in parsed?.sources ?? [] {
            try require(!source.address.isEmpty, "source without an address")
            try require((0...0o377).contains(source.reach), "reach \(source.reach)")
            try require((source.lastRxSeconds ?? 0) >= 0, "last rx \(source.lastRxSeconds ?? 0)")
            let numbers = [source.adjustedOffsetSeconds, source.measuredOffsetSeconds, source.errorSeconds]
            try require(numbers.allSatisfy(\.isFinite), "a source offset is not real: \(numbers)")
        }
    }

    static func membersInRange(_ status: QuorumStatus?) throws(FuzzPropertyBroken) {
        for member in status?.members ?? [] {
            try require(!member.nodeID.isEmpty && !member.name.isEmpty, "member \(member)")
            try require(member.name != "(local)", "the local marker taken as a name")
        }
    }

    static func crlf(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }

    static func sameVerdict<V: Equatable>(_ text: String, _ verdict: (String) -> V) throws(FuzzPropertyBroken) {
        guard !text.utf8.contains(13) else { return }
        let lf = verdict(text)
        try require(verdict(crlf(text)) == lf, "verdict \(lf) with LF, \(verdict(crlf(text))) with CRLF")
        try require(verdict(text + "\n") == lf, "a trailing newline changes the verdict")
    }

    static func chronyRoundTrip(_ epoch: Int64) throws(FuzzPropertyBroken) {
        let printed = CivilTime.chronyText(epochSeconds: epoch)
        try require((try? CivilTime.parseChronyText(printed)) == epoch, "\(epoch) prints as \"\(printed)\" which does not parse back")
    }
}
