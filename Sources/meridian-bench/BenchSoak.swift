import ClockSync
import Coordinator
import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// Mixed traffic against one agent for a while (scripts/soak.sh watches the agent's RSS, fds
/// and threads around it): pings and probes, bad frames, notifications, large frames, idle
/// sockets held and dropped, half-handshakes reset. Four threads; prints what it did.
enum BenchSoak {
    static let workers = 4

    static func run(_ endpoint: Endpoint, context: TLSContext, seconds: Int) throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let counts = Mutex([String: Int]())
        let running = Mutex(workers)
        for worker in 0..<workers {
            try DedicatedThread.start(name: "soak") {
                var generator = SystemRandomNumberGenerator()
                var idle: [RawSocket] = []
                while ContinuousClock.now < deadline {
                    let action = Int.random(in: 0..<7, using: &generator)
                    let name = step(action, endpoint: endpoint, context: context, idle: &idle, worker: worker)
                    counts.withLock { $0[name, default: 0] += 1 }
                }
                idle.forEach { $0.close() }
                running.withLock { $0 -= 1 }
            }
        }
        while running.withLock({ $0 }) > 0 { ChildProcess.sleep(.milliseconds(20)) }
        let summary = counts.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return ["soak             \(seconds) s, \(workers) threads: \(summary)"]
    }

    /// One action; returns its name, suffixed " failed" when the agent did not behave.
    static func step(_ action: Int, endpoint: Endpoint, context: TLSContext, idle: inout [RawSocket], worker: Int) -> String {
        func attempt(_ name: String, _ body: () throws -> Bool) -> String {
            ((try? body()) ?? false) ? name : name + " failed"
        }
        switch action {
        case 0:
            return attempt("ping") {
                let client = try AgentClient.connect(to: endpoint, expectedNode: endpoint.host, context: context, timeout: .seconds(10))
                defer { client.close() }
                _ = try client.call(.ping, params: NoParams(), timeout: .seconds(10), as: PingResult.self)
                return true
            }
        case 1:
            return attempt("probe") {
                let client = try AgentClient.connect(to: endpoint, expectedNode: endpoint.host, context: context, timeout: .seconds(10))
                defer { client.close() }
                return try Ping.measureOffset(client, probes: 4, timeout: .seconds(10)).delay >= 0
            }
        case 2:
            return attempt("bad frame") {
                let framed = try BenchLoad.greeted(endpoint, context: context)
                defer { framed.close() }
                try framed.writeFrame(Array("{not json".utf8), timeout: .seconds(10))
                guard let answer = try framed.readFrame(timeout: .seconds(10)), case .failure = try RPCCodec.decodeResponse(answer).outcome else { return false }
                try framed.connection.write(Bool.random() ? [0, 0, 0, 0] : [0xFF, 0, 0, 0], timeout: .seconds(10))
                return try framed.readFrame(timeout: .seconds(10)) != nil
            }
        case 3:
            return attempt("notification") {
                let framed = try BenchLoad.greeted(endpoint, context: context)
                defer { framed.close() }
                try framed.writeFrame(Array(#"{"jsonrpc":"2.0","method":"agent.ping"}"#.utf8), timeout: .seconds(10))
                try framed.writeFrame(Array(#"{"jsonrpc":"2.0","id":9,"method":"agent.ping"}"#.utf8), timeout: .seconds(10))
                guard let answer = try framed.readFrame(timeout: .seconds(10)) else { return false }
                return try RPCCodec.decodeResponse(answer).id == .number(9)
            }
        case 4:
            return attempt("large frame") {
                let framed = try BenchLoad.greeted(endpoint, context: context)
                defer { framed.close() }
                try framed.writeFrame(BenchLoad.largeRequest(size: 256 << 10, id: 3), timeout: .seconds(30))
                return try framed.readFrame(timeout: .seconds(30)) != nil
            }
        case 5:
            if idle.count >= 40 { idle.removeFirst().close() }
            guard let socket = RawSocket(to: endpoint.host, port: endpoint.port, from: "127.0.0.\(2 + worker)") else { return "idle socket failed" }
            idle.append(socket)
            return "idle socket"
        default:
            guard let socket = RawSocket(to: endpoint.host, port: endpoint.port) else { return "reset failed" }
            socket.send(BenchLoad.partialClientHello)
            socket.reset()
            return "reset"
        }
    }
}
