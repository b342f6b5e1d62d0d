import ClockSync
@testable import Coordinator
import HostSystem
import JSONCore
import Testing
import TestSupport

/// Issue 10's scenario with `meridian serve` as a real process on the loopback lab: a webhook
/// receiver (Python, on 127.0.0.1) hears exactly one event when node2 is stepped +1 s and one
/// recovery when it is put back; the Python example runs an apply through the API with an
/// operator certificate (a read-only one is refused); the service killed with SIGKILL in the
/// middle of an apply shows that job as interrupted after a restart, and a new apply completes;
/// the history keeps node2's second. In the lab suite: labs share addresses.
extension LabIntegrationTests {
    static var repository: String {
        "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
    }

    /// The receiver: every POST body one line in `file`, answered 204.
    static let webhookReceiver = """
        import http.server, sys
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with open(sys.argv[2], "ab") as f: f.write(body + b"\\n")
                self.send_response(204); self.end_headers()
            def log_message(self, *args): pass
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
        """

    /// Over the API's local socket: `apply` starts a job, prints its id and the first progress
    /// line, then waits to be killed; `job ID` prints that job's state.
    static let socketClient = """
        import json, sys, time
        sys.path.insert(0, sys.argv[1])
        from meridian_client import ApiClient
        client = ApiClient(None, None, None, None, None, None, timeout=60, socket_path=sys.argv[2])
        client.connect()
        if sys.argv[3] == "apply":
            job = client.call("cluster.apply", {"settle_seconds": 60})["job"]
            print("job", job, flush=True)
            method, params = client.next_notification(timeout=60)
            print("notification", method, flush=True)
            time.sleep(600)
        else:
            print(json.dumps(client.call("cluster.job", {"job": sys.argv[4]})), flush=True)
        """

    static func events(_ file: String) -> [JSONValue] {
        ((try? readText(file)) ?? "").split(separator: "\n").compactMap { try? JSONValue(parsing: Array($0.utf8)) }
    }

    @Test func serveAlertsAppliesThroughTheAPIAndSurvivesAKillMidApply() async throws {
        let (cluster, context) = try await up(nodes: 3)
        let applied = await Apply.run(cluster, context: context, options: options()) { _ in }
        try #require(applied.status.severity == .ok, "the lab is ok before the service starts: \(StatusTable.render(applied.status))")
        let directory = self.directory, layout = self.layout
        let certs = cluster.certificateDirectory
        let operators = directory.file("operators")
        for (name, readOnly) in [("ops", false), ("viewer", true)] {
            let issued = try await Self.meridianCLI(["ca", "issue-operator", name, "--dir", operators, "--certs", certs] + (readOnly ? ["--read-only"] : []))
            try #require(issued.status == 0, "\(issued.stderr)")
        }

        let hookPort = 18_000 + Int.random(in: 0..<1000)
        let hooks = directory.file("hooks.jsonl")
        let receiver = try ChildProcess.spawnDetached(["/usr/bin/python3", "-c", Self.webhookReceiver, "\(hookPort)", hooks],
                                                      logPath: directory.file("receiver.log"))
        defer { ChildProcess.signal(receiver, 9); _ = ChildProcess.reap(receiver) }
        let socket = directory.file("api.sock")
        try directory.write("serve.json", """
            {"interval_seconds": 2, "survey_timeout_seconds": 3, "state_dir": "\(directory.file("state"))",
             "api_socket": "\(socket)", "http_listen": "127.0.0.1:\(hookPort + 1000)",
             "webhooks": ["http://127.0.0.1:\(hookPort)/hook"]}
            """)
        let serveArguments = [AgentProcess.meridianBinary, "serve", "--cluster", layout.clusterFile, "--config", directory.file("serve.json")]
        func startServe(_ log: String) async throws -> Int32 {
            let pid = try ChildProcess.spawnDetached(serveArguments, logPath: log)
            let started = try await Self.eventually(40) { ((try? readText(log)) ?? "").contains("API started") }
            #expect(started, "meridian serve did not start its API: \((try? readText(log)) ?? "")")
            return pid
        }
        let firstLog = directory.file("serve-1.log")
        var serve: Int32? = try await startServe(firstLog)
        defer { if let serve { ChildProcess.signal(serve, 9); _ = ChildProcess.reap(serve) } }

        // An ok cluster stays silent; node2 stepped +1 s is one event within two intervals.
        try await Task.sleep(for: .seconds(5))
        #expect(Self.events(hooks).isEmpty, "no event while the cluster is ok: \(Self.events(hooks))")
        try LabClock.step(layout, node: "node2", by: 1.0)
        let told = try await Self.eventually(12) { Self.events(hooks).contains { $0["node"] == .string("node2") } }
        #expect(told, "no event for node2 after the step; serve: \((try? readText(firstLog)) ?? "")")
        try await Task.sleep(for: .seconds(3))
        let node2Events = Self.events(hooks).filter { $0["node"] == .string("node2") }
        #expect(node2Events.count == 1 && node2Events.first?["to"] == .string("critical") && node2Events.first?["event"] == .string("verdict_changed"),
                "exactly one event names node2, critical: \(node2Events)")
        // Back on node1's time, with a fresh chronyd: the lab's clock loop follows chronyd -x's
        // model of a free-running clock, which the step and the loop's own slews have skewed; left
        // to it, node2 once settled 90-99 ms fast for over a minute (CI, 1 run in about 6), and
        // the recovery this part is about never came. chrony pulling a stepped node back is the
        // container scenario's part (real chrony.service).
        try LabClock.writeOffset(layout, node: "node2", seconds: LabClock.readOffset(layout, node: "node1"))
        let restarted = try await Self.meridianCLI(["lab", "restart-chrony", "--dir", layout.directory, "--node", "node2"])
        try #require(restarted.status == 0, "lab restart-chrony node2: \(restarted.stderr)")
        let recovered = try await Self.eventually(20) {
            Self.events(hooks).contains { $0["node"] == .string("node2") && $0["recovery"] == .bool(true) }
        }
        #expect(recovered, "no recovery event for node2: \(Self.events(hooks))")

        // The Python example over TLS: a read-only operator is refused the apply, an operator runs it.
        let example = Self.repository + "/protocol/client/examples/status_and_apply.py"
        func runExample(_ name: String) async throws -> CommandResult {
            let argv = ["/usr/bin/python3", example, "--ca", certs + "/ca.pem", "--cert", "\(operators)/\(name).pem",
                        "--key", "\(operators)/\(name).key", "--node", "node1", "--settle", "30", "\(cluster.nodes[0].address):7481"]
            return try await DedicatedThread.run(name: "api-example") { try ChildProcess.run(argv, timeout: .seconds(180)) }
        }
        let refused = try await runExample("viewer")
        #expect(refused.status == 2 && refused.stderr.contains("-32011"), "read-only: \(refused.stdout)\n\(refused.stderr)")
        let example1 = try await runExample("ops")
        #expect(example1.status == 0 && example1.stdout.contains("cluster.job says: finished"), "\(example1.stdout)\n\(example1.stderr)")

        // SIGKILL in the middle of an apply: after a restart the job is interrupted; a new apply
        // completes. node3's agent is stopped (SIGSTOP) so the job is certainly still waiting on it.
        let node3 = try #require(LabState.load(layout)?.agents["node3"])
        ChildProcess.signal(node3, 19)
        var node3Stopped = true
        defer { if node3Stopped { ChildProcess.signal(node3, 18) } }
        let clientLog = directory.file("socket-client.log")
        let client = try ChildProcess.spawnDetached(["/usr/bin/python3", "-c", Self.socketClient, Self.repository + "/protocol/client", socket, "apply"],
                                                    logPath: clientLog)
        defer { ChildProcess.signal(client, 9); _ = ChildProcess.reap(client) }
        let running = try await Self.eventually(30) { ((try? readText(clientLog)) ?? "").contains("notification job.progress") }
        try #require(running, "the apply job did not start: \((try? readText(clientLog)) ?? "")")
        let job = try #require(((try? readText(clientLog)) ?? "").split(separator: "\n").first { $0.hasPrefix("job ") }?.split(separator: " ").last.map(String.init))
        if let pid = serve { ChildProcess.signal(pid, 9); _ = ChildProcess.reap(pid) }
        serve = nil
        serve = try await startServe(directory.file("serve-2.log"))
        ChildProcess.signal(node3, 18)  // SIGCONT
        node3Stopped = false
        let state = try await DedicatedThread.run(name: "api-job") {
            try ChildProcess.run(["/usr/bin/python3", "-c", Self.socketClient, Self.repository + "/protocol/client", socket, "job", job], timeout: .seconds(60))
        }
        let answer = try JSONValue(parsing: Array(state.stdout.utf8))
        #expect(answer["state"] == .string("interrupted"), "job \(job) after the kill: \(state.stdout) \(state.stderr)")
        let example2 = try await runExample("ops")
        #expect(example2.status == 0 && example2.stdout.contains("cluster.job says: finished"), "after the restart: \(example2.stdout)\n\(example2.stderr)")

        // The history kept node2's second, across the restart.
        let history = try await Self.meridianCLI(["history", "--json", "--node", "node2", "--since", "1h", "--cluster", layout.clusterFile, "--config", directory.file("serve.json")])
        let summary = try JSONValue(parsing: Array(history.stdout.utf8))
        let worst = summary["nodes"]?.arrayValue?.first?["worst_abs_offset_seconds"]?.doubleValue ?? 0
        // Above: the 1 s step was kept. Below 2 s, not 1.1: a probe's error is up to half its
        // round trip, and with both cores saturated (a sanitizer build beside the suite) one
        // survey measured node2 at 1.47 s; a unit or sign error would be far off either way.
        #expect(worst > 0.9 && worst < 2.0, "node2's worst |offset| in the history: \(history.stdout)")
    }
}
