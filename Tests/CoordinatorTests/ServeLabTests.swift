import ClockSync
import Coordinator
import HostSystem
import JSONCore
import Testing
import TestSupport

/// `meridian serve` and `meridian history` as processes on the loopback lab: READY=1 and STATUS=
/// on a real notify socket, the history read beside the running service, a clean SIGTERM. In
/// the lab suite: labs share addresses.
extension LabIntegrationTests {
    static func meridianCLI(_ arguments: [String], environment: [String: String]? = nil) async throws -> CommandResult {
        let argv = [AgentProcess.meridianBinary] + arguments
        return try await DedicatedThread.run(name: "meridian-cli") { try ChildProcess.run(argv, environment: environment, timeout: .seconds(60)) }
    }

    static func fileMode(_ path: String) async throws -> String {
        try await DedicatedThread.run(name: "stat") { try ChildProcess.run(["/usr/bin/stat", "-c", "%a", path], timeout: .seconds(10)) }.stdout
            .filter { !$0.isWhitespace }
    }


    @Test func serveSurveysNotifiesKeepsHistoryAndStopsOnSIGTERM() async throws {
        let (cluster, _) = try await up(nodes: 2)
        let directory = self.directory, layout = self.layout
        let state = directory.file("state")
        try directory.write("serve.json", #"{"interval_seconds": 2, "survey_timeout_seconds": 3, "state_dir": "\#(state)"}"#)
        // systemd's side of Type=notify: a datagram socket that writes what it hears to a file.
        let notifySocket = directory.file("notify.sock"), heard = directory.file("notify.log")
        let listener = try ChildProcess.spawnDetached(["/usr/bin/python3", "-c", """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
            while True:
                data = s.recv(4096)
                with open(sys.argv[2], "ab") as f: f.write(data + b"\\n--\\n")
            """, notifySocket, heard], logPath: directory.file("notify.err"))
        defer { ChildProcess.signal(listener, 9); _ = ChildProcess.reap(listener) }
        #expect(try await eventually(10) { AtomicFile.exists(notifySocket) })

        var environment = ChildProcess.inheritedEnvironment
        environment["NOTIFY_SOCKET"] = notifySocket
        let log = directory.file("serve.log")
        let serve = try ChildProcess.spawnDetached([AgentProcess.meridianBinary, "serve", "--cluster", layout.clusterFile, "--config", directory.file("serve.json")],
                                                   environment: environment, logPath: log)
        var exited: Int32?
        defer { if exited == nil { ChildProcess.signal(serve, 9); _ = ChildProcess.reap(serve) } }
        let ready = try await eventually(30) { ((try? readText(heard)) ?? "").contains("READY=1") }
        #expect(ready, "no READY=1; serve's log: \((try? readText(log)) ?? "")")
        let notified = (try? readText(heard)) ?? ""
        #expect(notified.contains("STATUS=first survey of 2 nodes") && notified.contains("STATUS=cluster \(cluster.name) "), "\(notified)")
        #expect(AtomicFile.exists(state + "/history.db"))
        let mode = try await Self.fileMode(state)
        #expect(mode == "700", "state_dir mode \(mode)")
        // Two more surveys (2 s apart), then the history beside the running service.
        try await Task.sleep(for: .seconds(5))
        let history = try await Self.meridianCLI(["history", "--json", "--since", "1h", "--cluster", layout.clusterFile, "--config", directory.file("serve.json")])
        #expect(history.status == 0, "\(history.stderr)")
        let json = try JSONValue(parsing: Array(history.stdout.utf8))
        #expect(SchemaCheck.violations(of: json, against: try SchemaCheck.load("history-summary.schema.json")) == [])
        let nodes = json["nodes"]?.arrayValue ?? []
        #expect(nodes.compactMap { $0["node"]?.stringValue } == ["node1", "node2"], "\(history.stdout)")
        #expect(nodes.allSatisfy { ($0["samples"]?.doubleValue ?? 0) >= 3 }, "a survey every 2 s: \(history.stdout)")
        let table = try await Self.meridianCLI(["history", "--node", "node2", "--since", "30m", "--cluster", layout.clusterFile, "--config", directory.file("serve.json")])
        #expect(table.status == 0 && table.stdout.contains("P95 |OFFSET|") && table.stdout.contains("node2") && !table.stdout.contains("node1"), "\(table.stdout)")

        ChildProcess.signal(serve, 15)
        let stopped = try await DedicatedThread.run(name: "serve-wait") { () -> Int32? in
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let status = ChildProcess.reap(serve) { return status }
                ChildProcess.sleep(.milliseconds(50))
            }
            return nil
        }
        exited = stopped
        let text = (try? readText(log)) ?? ""
        #expect(stopped == 0, "serve's exit status after SIGTERM: \(String(describing: stopped)); log: \(text)")
        #expect(text.contains("signal 15: stopping") && text.contains("stopped after"), "\(text)")
        #expect(((try? readText(heard)) ?? "").contains("STOPPING=1"))
        #expect(!AtomicFile.exists(state + "/history.db-wal"), "closed cleanly: the WAL folded into the database")
    }
}
