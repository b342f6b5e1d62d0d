import Glibc
import HostSystem
import JSONCore
import MeridianService
import Testing
import TestSupport

/// The real `meridian serve` with `http_tls: on` on 127.0.0.2: the service finds the master's
/// agent certificate in the cluster's certs_dir by itself, curl reads /metrics over TLS with the
/// cluster CA, and `meridian check` reads the service over https. No agents run (every node is
/// unreachable); only the listener is under test.
@Suite struct HTTPSServeTests {
    /// A port that was free a moment ago on `host`.
    static func freePort(_ host: String) throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw HostError(.config, "\(host)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HostError(.io, "cannot bind \(host):0: \(Errno.current)") }
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func serveSpeaksHTTPSWithTheMastersCertificate() async throws {
        let pki = try TestPKI()
        try pki.issueAgent("node1", address: "127.0.0.2")
        let directory = try TemporaryDirectory("meridian-serve-https")
        let httpPort = try Self.freePort("127.0.0.2"), apiPort = try Self.freePort("127.0.0.2")
        try directory.write("cluster.json", """
            {"name": "lab", "certs_dir": "\(pki.path)", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"], "timezone": "UTC",
             "nodes": [{"name": "node1", "address": "127.0.0.2"}, {"name": "node2", "address": "127.0.0.3"}]}
            """)
        try directory.write("serve.json", """
            {"http_listen": "127.0.0.2:\(httpPort)", "http_tls": "on", "api_listen": "127.0.0.2:\(apiPort)",
             "api_socket": "\(directory.path)/api.sock", "state_dir": "\(directory.path)/state", "interval_seconds": 5,
             "survey_timeout_seconds": 1}
            """)
        let log = directory.file("serve.log")
        let serve = try ChildProcess.spawnDetached([AgentProcess.meridianBinary, "serve", "--cluster", directory.file("cluster.json"),
                                                    "--config", directory.file("serve.json")], logPath: log)
        var stopped = false
        defer { if !stopped { ChildProcess.signal(serve, 9); _ = ChildProcess.reap(serve) } }
        let curl = ["curl", "--silent", "--show-error", "--verbose", "--noproxy", "*", "--max-time", "5", "--cacert", pki.ca,
                    "https://127.0.0.2:\(httpPort)/metrics"]
        let metrics = try await DedicatedThread.run(name: "curl") { () -> CommandResult? in
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let result = try ChildProcess.run(curl, environment: ["PATH": "/usr/bin:/bin"], timeout: .seconds(10))
                if result.succeeded { return result }
                ChildProcess.sleep(.milliseconds(200))
            }
            return nil
        }
        let served = try #require(metrics, "no answer on https://127.0.0.2:\(httpPort); serve's log: \((try? readText(log)) ?? "")")
        #expect(served.stdout.contains(#"meridian_node_reachable{cluster="lab",node="node2"} 0"#), "\(served.stdout)")
        #expect(served.stderr.contains("SSL connection using TLSv1.3") && served.stderr.contains("CN=node1"), "\(served.stderr)")
        let serveLog = try readText(log)
        #expect(serveLog.contains("listening on https://127.0.0.2:\(httpPort)"), "\(serveLog)")

        let check = try await DedicatedThread.run(name: "check") {
            try ChildProcess.run([AgentProcess.meridianBinary, "check", "-v", "--cluster", directory.file("cluster.json"),
                                  "--config", directory.file("serve.json")], timeout: .seconds(60))
        }
        #expect(check.stderr.contains("read the service on https://127.0.0.2:\(httpPort)"), "\(check.stdout) \(check.stderr)")
        #expect(check.status == 2 && check.stdout.contains("node2 unreachable"), "\(check.stdout)")

        ChildProcess.signal(serve, 15)
        let gone = try await DedicatedThread.run(name: "serve-wait") { ProcessWait.untilGone(serve, timeout: .seconds(20)) }
        stopped = gone
        #expect(gone, "serve did not stop on SIGTERM; log: \((try? readText(log)) ?? "")")
    }
}
