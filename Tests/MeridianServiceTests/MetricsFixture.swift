import ClockSync
@testable import Coordinator
import Glibc
import HostSystem
@testable import MeridianService
import Testing
import TestSupport

/// A deterministic survey for the renderers' golden files: node1 serves on its local clock,
/// node2 follows it 0.4 ms fast, node3 is 2.5 s fast (critical), node4 did not answer; node1's
/// `ceph -s` reports MON_CLOCK_SKEW. Built from the captured chrony and Ceph fixtures.
enum MonitoringFixture {
    static let time = 1_800_000_000.0

    static func cluster(nodes: Int = 4) throws -> ClusterFile {
        let list = (1...nodes).map { #"{"name": "node\#($0)", "address": "127.0.0.\#($0 + 1)"}"# }.joined(separator: ", ")
        let json = #"{"name": "lab", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [\#(list)]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    static func chrony(_ folder: String, _ file: String) throws -> String {
        try readText(FixturePath.in("ClockSyncTests", "chrony/\(folder)/\(file)"))
    }

    static func report(offsets: [String: Double] = ["node2": 0.0004, "node3": 2.5], unreachable: Set<String> = ["node4"],
                       nodes: Int = 4, ceph: Bool = true) throws -> StatusReport {
        let cluster = try cluster(nodes: nodes)
        let serverTracking = try ChronyTracking(csv: chrony("server-local", "tracking.csv"))
        let clientTracking = try ChronyTracking(csv: chrony("client-synced", "tracking.csv"))
        let clientSources = try ChronySources.parse(csv: chrony("client-synced", "sources.csv"))
        let cephStatus = ceph ? try CephStatus(json: readText(FixturePath.in("ClockSyncTests", "ceph/status-clock-skew.json"))) : nil
        let reports = cluster.nodes.map { node -> NodeReport in
            let name = node.name.description
            let isServer = name == "node1"
            if unreachable.contains(name) {
                var parsed = NodeFacts(node: name)
                parsed.unreachable = "connect to \(node.address):7480 timed out"
                return NodeReport(node: node, isTimeServer: isServer, facts: nil, parsed: parsed, offsetFromHere: nil, error: parsed.unreachable)
            }
            var parsed = NodeFacts(node: name, tracking: isServer ? serverTracking : clientTracking, sources: isServer ? nil : clientSources,
                                   timezone: "UTC", ceph: isServer ? cephStatus : nil, firewall: nil)
            if !isServer {
                parsed.measuredOffsetSeconds = offsets[name] ?? 0.0001
                parsed.measuredAgainst = "node1"
            }
            return NodeReport(node: node, isTimeServer: isServer, facts: nil, parsed: parsed, offsetFromHere: 0, error: nil)
        }
        return StatusReport(cluster: cluster, nodes: reports)
    }

    static func snapshot(time: Double = MonitoringFixture.time, duration: Double = 0.42) throws -> Snapshot {
        Snapshot(status: try report(), time: time, durationSeconds: duration)
    }

    /// Compares with the golden file, or rewrites it with `MERIDIAN_UPDATE_GOLDEN=1`.
    static func golden(_ rendered: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = FixturePath.in("MeridianServiceTests", "monitoring/\(name)")
        if let update = getenv("MERIDIAN_UPDATE_GOLDEN"), String(cString: update) == "1" {
            try AtomicFile.write(Array(rendered.utf8), to: path)
        }
        let expected = try readText(path)
        #expect(rendered == expected, "\(name) differs; regenerate with MERIDIAN_UPDATE_GOLDEN=1 if intended", sourceLocation: sourceLocation)
    }
}
