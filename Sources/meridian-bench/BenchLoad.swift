import ClockSync
import Coordinator
import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// The bench's load figures: concurrent large frames, and ping latency during a connection flood.
/// Blocking work on dedicated threads; the numbers are printed, never judged.
enum BenchLoad {
    static let hello = RPCCodec.encodeRequest(RPCRequest(id: .number(1), method: Method.hello.rawValue, params: .object([
        "coordinator_version": .string(MeridianVersion.current), "protocol_versions": .array(ProtocolVersion.supported.map { .integer(Int64($0)) }),
    ])))

    /// The first bytes of a TLS ClientHello: the agent's handshake waits for the rest.
    static let partialClientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]

    static func greeted(_ endpoint: Endpoint, context: TLSContext) throws -> FramedConnection {
        let framed = FramedConnection(try TLSConnection.connect(to: endpoint, context: context, expectedNode: endpoint.host, timeout: .seconds(30)))
        try framed.writeFrame(hello, timeout: .seconds(30))
        guard try framed.readFrame(timeout: .seconds(30)) != nil else { throw CoordinatorError(.agent, "\(endpoint) closed after hello") }
        return framed
    }

    /// A request of exactly `size` bytes whose params are a long array of small numbers: the
    /// costliest JSON to parse per byte.
    static func largeRequest(size: Int, id: Int) -> [UInt8] {
        let head = Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"agent.ping","params":{"pad":[0"#.utf8)
        let tail = Array("]}}".utf8)
        var body = head
        body.reserveCapacity(size)
        while body.count + 2 + tail.count <= size { body += [UInt8(ascii: ","), UInt8(ascii: "0")] }
        while body.count + tail.count < size { body.append(UInt8(ascii: " ")) }
        return body + tail
    }

    /// `count` connections each send one `size`-byte frame at the same moment; prints how many
    /// were answered, how many were "busy", and how long it took.
    static func frames(_ endpoint: Endpoint, context: TLSContext, count: Int, size: Int) throws -> [String] {
        let connections = try (0..<count).map { _ in try greeted(endpoint, context: context) }
        defer { connections.forEach { $0.close() } }
        let payload = largeRequest(size: size, id: 2)
        let tally = Mutex((ok: 0, busy: 0, failed: 0, done: 0))
        let start = ContinuousClock.now
        for connection in connections {
            try DedicatedThread.start(name: "bench-frame") {
                var outcome = "failed"
                do {
                    try connection.writeFrame(payload, timeout: .seconds(60))
                    if let answer = try connection.readFrame(timeout: .seconds(60)) {
                        switch try RPCCodec.decodeResponse(answer).outcome {
                        case .success: outcome = "ok"
                        case .failure(let error): outcome = error.code == RPCError.busy ? "busy" : "failed"
                        }
                    }
                } catch {}
                tally.withLock {
                    switch outcome { case "ok": $0.ok += 1; case "busy": $0.busy += 1; default: $0.failed += 1 }
                    $0.done += 1
                }
            }
        }
        while tally.withLock({ $0.done }) < count { ChildProcess.sleep(.milliseconds(5)) }
        let elapsed = (ContinuousClock.now - start).seconds
        let result = tally.withLock { $0 }
        return ["large frames     \(count) x \(size) bytes at once: \(result.ok) answered, \(result.busy) busy, \(result.failed) failed in \(Durations.duration(elapsed))"]
    }

    /// Holds `idle` plain TCP sockets (from 127.0.0.2 up), `partial` half-handshakes and
    /// `authenticated` greeted sessions open, then times `pings` fresh connect + hello + probe.
    static func flood(_ endpoint: Endpoint, context: TLSContext, idle: Int, partial: Int, authenticated: Int, pings: Int) throws -> [String] {
        RawSocket.raiseDescriptorLimit(to: 16_384)
        var sessions: [FramedConnection] = []
        var sockets: [RawSocket] = []
        defer { sessions.forEach { $0.close() }; sockets.forEach { $0.close() } }
        for _ in 0..<authenticated { sessions.append(try greeted(endpoint, context: context)) }
        for index in 0..<(idle + partial) {
            guard let socket = RawSocket(to: endpoint.host, port: endpoint.port, from: "127.0.0.\(2 + index / 16 % 250)") else { continue }
            if index >= idle { socket.send(partialClientHello) }
            sockets.append(socket)
        }
        var latencies: [Double] = []
        var failures: [String] = []
        for _ in 0..<pings {
            let start = ContinuousClock.now
            do {
                let client = try AgentClient.connect(to: endpoint, expectedNode: endpoint.host, context: context, timeout: .seconds(30))
                _ = try Ping.measureOffset(client, probes: 1, timeout: .seconds(30))
                client.close()
                latencies.append((ContinuousClock.now - start).seconds)
            } catch {
                failures.append("\(error)")
            }
        }
        let held = sessions.count + sockets.count
        var lines = ["ping during flood \(held) connections held (\(sessions.count) authenticated, \(idle) idle TCP, \(partial) mid-handshake): n=\(latencies.count)  p50 \(Durations.duration(percentile(latencies, 50)))  p99 \(Durations.duration(percentile(latencies, 99)))  max \(Durations.duration(latencies.max() ?? .nan))"]
        if !failures.isEmpty { lines.append("ping during flood: \(failures.count) failed, first: \(failures[0])") }
        return lines
    }
}
