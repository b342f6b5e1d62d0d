import ClockSync
@testable import Coordinator
import HostSystem
import JSONCore
import MeridianService
import Synchronization
import TestSupport

/// Snapshots built in-process from real chrony captures (ClockSyncTests fixtures): a two-node
/// cluster, node1 the time server on its local clock, node2 a synced client whose measured
/// offset the test chooses (1.02 s: critical; 0.0004 s: ok), or unreachable.
enum AlertSnapshots {
    static func cluster() throws -> ClusterFile {
        let json = #"{"name": "lab", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC", "nodes": [{"name": "node1", "address": "127.0.0.2"}, {"name": "node2", "address": "127.0.0.3"}]}"#
        return try ClusterFile.parse(json: Array(json.utf8), timezoneExists: { _ in true })
    }

    static func chrony(_ state: String, _ report: String) throws -> String {
        try readText(FixturePath.in("ClockSyncTests", "chrony/\(state)/\(report).csv"))
    }

    /// node2 `offset` seconds off node1, or unreachable when `offset` is nil.
    static func snapshot(node2 offset: Double?, at time: Double) throws -> Snapshot {
        let cluster = try cluster()
        let server = NodeFacts(node: "node1", tracking: try ChronyTracking(csv: try chrony("server-local", "tracking")),
                               sources: try ChronySources.parse(csv: try chrony("server-local", "sources")), timezone: "UTC")
        var reports = [NodeReport(node: cluster.nodes[0], isTimeServer: true, facts: nil, parsed: server, offsetFromHere: 0.001, error: nil)]
        if let offset {
            let client = NodeFacts(node: "node2", tracking: try ChronyTracking(csv: try chrony("client-synced", "tracking")),
                                   sources: try ChronySources.parse(csv: try chrony("client-synced", "sources")), timezone: "UTC",
                                   measuredOffsetSeconds: offset, measuredAgainst: "node1")
            reports.append(NodeReport(node: cluster.nodes[1], isTimeServer: false, facts: nil, parsed: client, offsetFromHere: offset, error: nil))
        } else {
            let lost = NodeFacts(node: "node2", unreachable: "127.0.0.3:7480: connection refused")
            reports.append(NodeReport(node: cluster.nodes[1], isTimeServer: false, facts: nil, parsed: lost, offsetFromHere: nil, error: lost.unreachable))
        }
        return Snapshot(status: StatusReport(cluster: cluster, nodes: reports), time: time, durationSeconds: 0.01)
    }
}

/// Collects what a sink is given (journal lines, announced events), for a test to read.
final class Collected<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Runs a JSON Schema validator (Python's jsonschema, Debian's python3-jsonschema) on `json`
/// against protocol/schemas/NAME; the complaints, empty when valid. No validator fails the test.
enum AlertSchemaCheck {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "no python3 with the jsonschema module (apt-get install python3-jsonschema)" }
    }

    static let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        validator = jsonschema.validators.validator_for(schema)
        validator.check_schema(schema)
        bad = 0
        for line in open(sys.argv[2]):
            for error in validator(schema).iter_errors(json.loads(line)):
                print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message); bad += 1
        sys.exit(1 if bad else 0)
        """

    /// `instances`: one JSON text each.
    static func problems(_ instances: [String], against schema: String) async throws -> [String] {
        let directory = try TemporaryDirectory("meridian-alert-schema")
        try directory.write("instances.jsonl", instances.map { $0 + "\n" }.joined())
        let path = directory.file("instances.jsonl")
        let schemaPath = SchemaCheck.schemaPath(schema)
        return try await DedicatedThread.run(name: "jsonschema") {
            // PATH's python3 first (it may be a newer one with jsonschema), then Debian's.
            for python in ["python3", "/usr/bin/python3"] {
                guard let result = try? ChildProcess.run([python, "-c", script, schemaPath, path], timeout: .seconds(120)),
                      !result.stderr.contains("No module named 'jsonschema'") else { continue }
                if result.status == 0 { return [] }
                let lines = (result.stdout + result.stderr).split(separator: "\n").map(String.init)
                return lines.isEmpty ? ["the validator failed (status \(result.status)) without saying why"] : lines
            }
            throw Unavailable()
        }
    }
}
