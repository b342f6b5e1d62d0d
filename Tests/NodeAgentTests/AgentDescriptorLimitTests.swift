import HostSystem
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// A real agent process with a descriptor limit far below what a flood asks for: accept hits
/// EMFILE, and the agent must back off (little CPU, few log lines) and serve again afterwards.
@Suite(.serialized, .offPool) struct AgentDescriptorLimitTests {
    /// utime + stime of `pid`, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try readText("/proc/\(pid)/stat")
        let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    static func port(fromLog text: String) -> UInt16? {
        let marker = "listening on 127.0.0.1:"
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
              let rest = line.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false).last else { return nil }
        return UInt16(rest.prefix { $0.isNumber })
    }

    @Test func acceptOutOfDescriptorsBacksOffAndServesAgain() throws {
        let pki = try TestPKI()
        try pki.issueAgent("pve1", address: "127.0.0.1")
        let extra = #", "max_handshakes": 1000, "max_handshakes_per_source": 1000, "handshake_timeout_seconds": 30"#
        try pki.directory.write("agent.json", pki.agentConfigJSON("pve1", listen: "127.0.0.1:0", extra: extra))
        let log = pki.directory.file("agent.log")
        let pid = try ChildProcess.spawnDetached(
            ["/usr/bin/prlimit", "--nofile=40:40", AgentProcess.agentBinary, "--config", pki.directory.file("agent.json"), "--verbose"],
            logPath: log)
        defer { ChildProcess.signal(pid, 9); _ = ChildProcess.reap(pid) }
        var port: UInt16?
        let started = ContinuousClock.now + .seconds(20)
        while port == nil, ContinuousClock.now < started {
            port = Self.port(fromLog: (try? readText(log)) ?? "")
            if port == nil { ChildProcess.sleep(.milliseconds(20)) }
        }
        let endpoint = Endpoint(host: "127.0.0.1", port: try #require(port, "agent did not start: \((try? readText(log)) ?? "")"))

        var flood: [PlainConnection] = []
        for _ in 0..<200 { flood.append(try PlainConnection.connect(to: endpoint, timeout: .seconds(10))) }
        // Wait (by event) until accept has run out of descriptors, then watch the agent for a while.
        let hitLimit = ContinuousClock.now + .seconds(20)
        while !((try? readText(log)) ?? "").contains("Too many open files"), ContinuousClock.now < hitLimit {
            ChildProcess.sleep(.milliseconds(20))
        }
        #expect(((try? readText(log)) ?? "").contains("Too many open files"), "the flood reached the descriptor limit")
        let ticksBefore = try Self.cpuTicks(pid)
        let linesBefore = try readText(log).split(separator: "\n").count
        ChildProcess.sleep(.seconds(2))
        let ticks = try Self.cpuTicks(pid) - ticksBefore
        let lines = try readText(log).split(separator: "\n").count - linesBefore
        // A spinning accept loop burns the whole 2 s (200 ticks) and logs without end.
        #expect(ticks < 50, "agent used \(ticks) ticks of CPU in 2 s at the descriptor limit")
        #expect(lines < 10, "agent logged \(lines) lines in 2 s at the descriptor limit")
        #expect(ChildProcess.isAlive(pid))

        flood.forEach { $0.close() }
        let framed = FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(pki.coordinatorTLS()),
                                                               expectedNode: "pve1", timeout: .seconds(20)))
        defer { framed.close() }
        try framed.writeFrame(Array(#"{"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"coordinator_version":"t","protocol_versions":[2]}}"#.utf8), timeout: .seconds(20))
        let answer = try RPCCodec.decodeResponse(try #require(try framed.readFrame(timeout: .seconds(20))))
        #expect(try RPCCodec.decode(HelloResult.self, from: answer.outcome.get()).node == "pve1")
    }
}
