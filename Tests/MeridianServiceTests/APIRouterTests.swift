import HostSystem
import JSONCore
@testable import MeridianService
import Testing
import TestSupport
import WireProtocol

/// Every malformed request gets its JSON-RPC error, naming the field; the read-only role is
/// refused what changes the cluster; the read methods answer in the documented shapes.
@Suite struct APIRouterTests {
    static let operatorPeer = APIPeer(.operator(name: "alice"))

    static let malformed: [(method: String, params: JSONValue?, code: Int, says: String)] = [
        ("cluster.nope", nil, -32601, "method not found: cluster.nope"),
        ("cluster.status", .array([]), -32602, "params of cluster.status must be an object"),
        ("cluster.status", .object(["refresh": .string("yes")]), -32602, "field \"refresh\" must be true or false"),
        ("cluster.status", .object(["bogus": .integer(1)]), -32602, "unknown field \"bogus\" for cluster.status (known: refresh)"),
        ("cluster.plan", .object(["node": .string("node1")]), -32602, "unknown field \"node\" for cluster.plan (it takes no params)"),
        ("cluster.apply", .object(["concurrency": .integer(0)]), -32602, "field \"concurrency\" must be an integer in 1...256, got 0"),
        ("cluster.apply", .object(["concurrency": .number(1.5)]), -32602, "field \"concurrency\" must be an integer in 1...256"),
        ("cluster.apply", .object(["settle_seconds": .integer(-1)]), -32602, "field \"settle_seconds\" must be in 0...3600, got -1"),
        ("cluster.apply", .object(["restart_cluster_services": .integer(1)]), -32602, "field \"restart_cluster_services\" must be true or false"),
        ("cluster.job", nil, -32602, "missing field \"job\""),
        ("cluster.job", .object(["job": .string("apply-99")]), -32602, "field \"job\": no job \"apply-99\""),
        ("cluster.job", .object(["job": .integer(3)]), -32602, "field \"job\" must be a string"),
        ("cluster.jobs", .object(["limit": .integer(0)]), -32602, "field \"limit\" must be an integer in 1...200"),
        ("clock.set", nil, -32602, "missing field \"time\""),
        ("clock.set", .object(["time": .string("yesterday")]), -32602, "field \"time\":"),
        ("clock.set", .object(["time": .string("2026-12-02 01:00:00 +00:00"), "from_here": .bool(true)]), -32602, "exclude each other"),
        ("clock.set", .object(["unix_seconds": .integer(12)]), -32602, "field \"unix_seconds\" must be an integer in 946684800...7258118400"),
        ("history.query", .object(["node": .string("node9"), "since_seconds": .integer(60)]), -32602, "\"node9\" is not a node of cluster lab (nodes: node1, node2)"),
        ("history.query", .object(["node": .string("node1")]), -32602, "missing field \"since_seconds\""),
        ("history.query", .object(["since_seconds": .integer(60)]), -32602, "missing field \"node\""),
        ("history.query", .object(["node": .string("node1"), "since_seconds": .integer(60), "since": .integer(5)]), -32602, "exclude each other"),
        ("history.query", .object(["node": .string("node1"), "since_seconds": .integer(0)]), -32602, "field \"since_seconds\" must be in 1...315360000, got 0"),
        ("history.query", .object(["node": .string("node1"), "since": .integer(100), "until": .integer(50)]), -32602, "field \"until\" must be later"),
        ("events.list", .object(["limit": .integer(0)]), -32602, "field \"limit\" must be an integer in 1...10000"),
        ("events.subscribe", .object(["x": .null]), -32602, "unknown field \"x\" for events.subscribe"),
        ("api.hello", .object(["client_version": .string("9.9"), "protocol_versions": .array([.integer(7)])]), -32003, "client 9.9 speaks API protocol 7"),
        ("api.hello", .object(["protocol_versions": .array([.integer(1)])]), -32602, "missing field \"client_version\""),
        ("api.hello", .object(["client_version": .string("x"), "protocol_versions": .string("1")]), -32602, "field \"protocol_versions\" must be an array"),
        ("api.hello", .object(["client_version": .string("x"), "protocol_versions": .array([.string("1")])]), -32602, "field \"protocol_versions[0]\" must be an integer"),
    ]

    @Test(arguments: malformed)
    func malformedRequestIsRefusedNamingTheField(_ method: String, _ params: JSONValue?, _ code: Int, _ says: String) async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(Self.operatorPeer, hello: method != "api.hello")
        let error = await fixture.call(connection, method, params).error
        #expect(error?.code == code)
        #expect(error?.message.contains(says) == true, "\(error?.message ?? "no error")")
    }

    @Test func helloComesFirst() async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(Self.operatorPeer, hello: false)
        let refused = await fixture.call(connection, "cluster.status", nil).error
        #expect(refused?.code == -32004)
        #expect(refused?.message.contains("must be api.hello, got \"cluster.status\"") == true)
        let hello = try #require(await fixture.call(connection, "api.hello", ["client_version": .string("t"), "protocol_versions": .array([.integer(1), .integer(9)])]).value)
        #expect(hello["protocol_version"] == .integer(1))
        #expect(hello["cluster"] == .string("lab"))
        #expect(hello["peer"] == .string("operator alice"))
        #expect(hello["read_only"] == .bool(false))
        #expect(hello["server_version"] == .string(MeridianVersion.current))
    }

    @Test(arguments: [("cluster.apply", JSONValue.object([:])), ("clock.set", .object(["time": .string("2026-12-02 01:00:00 +00:00")]))])
    func readOnlyOperatorIsForbiddenChanges(_ method: String, _ params: JSONValue) async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(APIPeer(.readOnlyOperator(name: "bob")))
        let error = await fixture.call(connection, method, params).error
        #expect(error?.code == -32011)
        #expect(error?.message.contains("forbidden: \(method) changes the cluster and read-only operator bob has the read-only operator role") == true,
                "\(error?.message ?? "")")
        #expect(error?.data?["role"] == .string("read-only operator"))
        #expect(fixture.control.applies.withLock { $0 } == 0)
        #expect(fixture.jobs.jobs.isEmpty)
        // Reading is allowed.
        #expect(await fixture.call(connection, "cluster.jobs", nil).value?["jobs"] == .array([]))
    }

    @Test func statusBeforeAnySurveyIsUnavailableThenHasItsAge() async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(Self.operatorPeer)
        let early = await fixture.call(connection, "cluster.status", nil).error
        #expect(early?.code == -32012)
        #expect(early?.message.contains("no survey has finished yet") == true)
        fixture.state.publish(try APIFixture.snapshot(time: WallClock.now().asDouble - 12))
        fixture.state.updateTarget("journal") { $0.delivered += 1 }
        let status = try #require(await fixture.call(connection, "cluster.status", nil).value)
        let age = try #require(status["age_seconds"]?.doubleValue)
        #expect(age >= 12 && age < 60)
        #expect(status["verdict"] != nil)
        #expect(status["nodes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["node1", "node2"])
        #expect(status["alert_targets"]?.arrayValue?.first?["target"] == .string("journal"))
    }

    @Test func refreshSurveysNow() async throws {
        let fixture = try APIFixture(refresh: { try? APIFixture.snapshot(time: WallClock.now().asDouble) })
        let (connection, _) = await fixture.connect(Self.operatorPeer)
        fixture.state.publish(try APIFixture.snapshot(time: WallClock.now().asDouble - 300))
        let stale = try #require(await fixture.call(connection, "cluster.status", nil).value?["age_seconds"]?.doubleValue)
        let fresh = try #require(await fixture.call(connection, "cluster.status", ["refresh": .bool(true)]).value?["age_seconds"]?.doubleValue)
        #expect(stale >= 300)
        #expect(fresh < 5)
    }

    @Test func historyAndEventsComeFromTheStore() async throws {
        let fixture = try APIFixture()
        let (connection, notes) = await fixture.connect(Self.operatorPeer)
        let now = WallClock.now().asDouble
        try fixture.history.record([
            NodeSample(node: "node2", time: now - 120, offsetSeconds: 1.01, synced: true, reachable: true, state: .critical, reasons: ["fast"]),
            NodeSample(node: "node2", time: now - 30, offsetSeconds: 0.002, synced: true, reachable: true, state: .ok, reasons: []),
            NodeSample(node: "node1", time: now - 30, synced: true, reachable: true, state: .ok, reasons: []),
            NodeSample(node: "node2", time: now - 7200, offsetSeconds: 3, synced: false, reachable: true, state: .critical, reasons: []),
        ])
        let points = try #require(await fixture.call(connection, "history.query", ["node": .string("node2"), "since_seconds": .integer(600)]).value?["points"]?.arrayValue)
        #expect(points.compactMap { $0["offset_seconds"]?.doubleValue } == [1.01, 0.002])
        #expect(points.first?["verdict"] == .string("critical"))
        let until = try #require(await fixture.call(connection, "history.query", ["node": .string("node2"), "since": .number(now - 600), "until": .number(now - 60)]).value?["points"]?.arrayValue)
        #expect(until.count == 1)

        #expect(await fixture.call(connection, "events.subscribe", nil).value?["subscribed"] == .bool(true))
        let event = try fixture.history.record(AlertEvent(kind: .verdictChanged, cluster: "lab", node: "node2", from: .ok, to: .critical, reasons: ["fast"], time: now))
        fixture.state.announce(event)
        #expect(notes.all.map(\.method) == ["event"])
        #expect(notes.all.first?.params["node"] == .string("node2"))
        let listed = try #require(await fixture.call(connection, "events.list", ["since_seconds": .integer(60)]).value?["events"]?.arrayValue)
        #expect(listed.map { $0["to"] } == [.string("critical")])
        // Closed: the subscription ends with it.
        fixture.router.connectionClosed(connection)
        fixture.state.announce(event)
        #expect(notes.all.count == 1)
    }

    @Test func planIsTheActionsAnswer() async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(Self.operatorPeer)
        #expect(await fixture.call(connection, "cluster.plan", nil).value?.arrayValue?.first?["node"] == .string("node1"))
    }

    @Test func clockSetAnswersSynchronouslyAndNamesARefusal() async throws {
        let fixture = try APIFixture()
        let (connection, _) = await fixture.connect(Self.operatorPeer)
        let set = await fixture.call(connection, "clock.set", ["time": .string("2026-12-02 01:00:00 +01:00")]).value
        #expect(set?["set_to"] == .integer(1_796_169_600))
        let refused = await fixture.call(connection, "clock.set", ["from_here": .bool(true)]).error
        #expect(refused?.code == -32012)
        #expect(refused?.message.contains("does not allow manual time input") == true)
        // The lock was released both times.
        guard case .acquired(let lock) = try ApplyLock.acquire(at: fixture.lockPath, holder: .commandLine(action: "apply")) else {
            Issue.record("the apply lock stayed held after clock.set"); return
        }
        lock.release()
    }
}

/// protocol/vectors/api-requests.json through the router: each request gets the documented error
/// code, or a result that follows the documented schema (protocol/schemas/api-*.schema.json).
@Suite struct APIVectorTests {
    static func vectors(file: StaticString = #filePath) throws -> [JSONValue] {
        var parts = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/protocol/vectors/api-requests.json"
        return try JSONValue(parsing: Array(try readText(path).utf8)).arrayValue ?? []
    }

    @Test func everyVectorAnswersAsDocumented() async throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 15)
        for vector in vectors {
            let name = vector["name"]?.stringValue ?? "?"
            let fixture = try APIFixture()
            fixture.state.publish(try APIFixture.snapshot(time: WallClock.now().asDouble - 3))
            try fixture.history.record([NodeSample(node: "node2", time: WallClock.now().asDouble - 60, offsetSeconds: 1.0, synced: true,
                                                   reachable: true, state: .critical, reasons: ["fast"])])
            let peer = vector["peer"] == .string("read-only operator") ? APIPeer(.readOnlyOperator(name: "bob")) : APIPeer(.operator(name: "alice"))
            let (connection, _) = await fixture.connect(peer, hello: vector["hello"] != .bool(false))
            let payload = try #require(vector["request"]).encodedBytes()
            guard case .success(let request) = RPCCodec.decodeRequest(payload) else { Issue.record("\(name): the vector's request does not decode"); continue }
            let answer = await fixture.call(connection, request.method, request.params)
            if let code = vector["expect_error"]?.intValue {
                #expect(answer.error?.code == Int(code), "\(name): \(answer)")
            } else {
                let result = try #require(answer.value, "\(name): \(answer)")
                if let schema = vector["expect_schema"]?.stringValue {
                    #expect(SchemaCheck.violations(of: result, against: try SchemaCheck.load(schema)) == [], "\(name)")
                }
            }
        }
    }

    /// A finished job and its notifications follow their schemas too.
    @Test func jobAndNotificationsFollowTheirSchemas() async throws {
        let fixture = try APIFixture()
        let (connection, notes) = await fixture.connect(APIPeer(.operator(name: "alice")))
        let id = try #require(await fixture.call(connection, "cluster.apply", nil).value?["job"]?.stringValue)
        #expect(await fixture.wait { notes.methods().last == "job.finished" })
        for note in notes.all {
            let schema = note.method == "job.progress" ? "api-job-progress.schema.json" : "api-job-finished.schema.json"
            #expect(SchemaCheck.violations(of: note.params, against: try SchemaCheck.load(schema)) == [], "\(note.method)")
        }
        let job = try #require(await fixture.call(connection, "cluster.job", ["job": .string(id)]).value)
        #expect(SchemaCheck.violations(of: job, against: try SchemaCheck.load("api-job-result.schema.json")) == [])
        // The schema can fail: a job without its state does not pass.
        guard case .object(var broken) = job else { return }
        broken["state"] = nil
        #expect(!SchemaCheck.violations(of: .object(broken), against: try SchemaCheck.load("api-job-result.schema.json")).isEmpty)
    }
}
