import Foundation
import HostSystem
import RPCServer
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// Figures, not a timed test: runs only under scripts/bench-rpcserver.sh (MERIDIAN_BENCH=1) and
/// prints request round trips over an open connection (TLS and the local socket, before and
/// after the session starts pushing) and the push rate to a reading client. Asserts only that
/// the answers were right.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MERIDIAN_BENCH"] == "1"))
struct RPCServerBenchmark {
    static let rounds = 2000

    static func roundTrips(_ framed: FramedConnection) throws -> [Duration] {
        var samples: [Duration] = []
        for id in 0..<Self.rounds {
            let started = ContinuousClock.now
            let answer = try framed.call(#"{"jsonrpc":"2.0","id":\#(id + 10),"method":"echo","params":{"n":\#(id)}}"#)
            samples.append(ContinuousClock.now - started)
            guard answer?["result"]?["n"]?.intValue == Int64(id) else { throw TransportError(.io, "wrong answer \(String(describing: answer))") }
        }
        return samples.sorted()
    }

    static func report(_ label: String, _ samples: [Duration]) {
        func ms(_ d: Duration) -> String { String(format: "%.3f ms", d.seconds * 1000) }
        let p50 = samples[samples.count / 2], p99 = samples[samples.count * 99 / 100]
        print("bench: \(label): \(samples.count) round trips, p50 \(ms(p50)), p99 \(ms(p99))")
    }

    @Test func figures() throws {
        let fixture = try APIServerFixture()
        let tls = try fixture.connect()
        defer { tls.close() }
        _ = try tls.call(FramedConnection.hello)
        Self.report("TLS, direct writes", try Self.roundTrips(tls))
        // One push starts the writer thread: from then on answers queue behind notifications.
        _ = try tls.call(#"{"jsonrpc":"2.0","id":2,"method":"ticks","params":{"count":1}}"#)
        _ = try tls.receive()
        Self.report("TLS, after the first push (answers through the outbox)", try Self.roundTrips(tls))

        let directory = try TemporaryDirectory("meridian-sock")
        let local = try RPCServer(socketPath: directory.file("api.sock"), limits: RPCServerLimits(), name: "API", helloMethod: "api.hello",
                                  handler: fixture.handler.handler)
        try local.start()
        defer { local.stop() }
        let unix = FramedConnection(try LocalConnection.connect(path: directory.file("api.sock"), timeout: .seconds(5)))
        defer { unix.close() }
        _ = try unix.call(FramedConnection.hello)
        Self.report("local socket, direct writes", try Self.roundTrips(unix))

        // Bursts of 1000 (within the outbox's 1024 frames: a faster burst is a peer not keeping
        // up, and is dropped by design), each read to the end before the next.
        let bursts = 100, burst = 1000
        let started = ContinuousClock.now
        for round in 0..<bursts {
            _ = try tls.call(#"{"jsonrpc":"2.0","id":\#(round + 100_000),"method":"ticks","params":{"count":\#(burst)}}"#)
            var received = 0
            while received < burst {
                guard let frame = try tls.receive() else { throw TransportError(.closed, "closed after \(received) ticks") }
                if frame["method"]?.stringValue == "tick" { received += 1 }
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        print("bench: pushed \(bursts * burst) notifications (bursts of \(burst)) to a reading TLS client in \(String(format: "%.2f", seconds)) s (\(Int(Double(bursts * burst) / seconds))/s)")
    }
}
