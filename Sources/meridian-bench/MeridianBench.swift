import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import SecureTransport
import WireProtocol

/// Latency figures for scripts/bench.sh: TLS handshake + hello, and request round trips over an
/// open connection, against a real agent. Prints percentiles; never judges.
@main
struct MeridianBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "meridian-bench")

    @Option(help: "Coordinator certificate directory (not for --mode history).") var certs: String = ""
    @Option(help: "Agent HOST[:PORT] (not for --mode history).") var target: String = ""
    @Option(help: "Handshakes to time.") var handshakes = 200
    @Option(help: "Round trips to time.") var requests = 5000
    @Option(help: "latency (handshakes and round trips), frames (concurrent large frames), flood (ping during a connection flood), soak, or history (simulated history database).")
    var mode = "latency"
    @Option(help: "frames: connections sending one frame each at once.") var frameCount = 100
    @Option(help: "frames: bytes per frame (at most the agent's max_frame_bytes).") var frameSize = 1 << 20
    @Option(help: "flood: connections to hold (a quarter authenticated, the rest idle TCP and half-handshakes).") var floodConnections = 1000
    @Option(help: "flood: pings to time during the flood.") var floodPings = 50
    @Option(help: "soak: seconds of mixed traffic.") var seconds = 60
    @Option(help: "history: directory for the simulated history.db.") var historyDir = "/tmp/meridian-bench-history"
    @Option(help: "history: nodes.") var nodes = 32
    @Option(help: "history: simulated days.") var days = 30.0
    @Option(help: "history: seconds between surveys.") var interval = 30.0

    func run() async throws {
        if mode == "history" {
            let (directory, nodes, days, interval) = (historyDir, self.nodes, self.days, self.interval)
            for line in try await DedicatedThread.run(name: "bench", { try BenchHistory.run(directory: directory, nodes: nodes, days: days, interval: interval) }) { print(line) }
            return
        }
        let context = try CertificateDirectory(path: certs).coordinatorContext()
        let endpoint = try Endpoint(parsing: target)
        let (frameCount, frameSize, flood, pings, seconds) = (self.frameCount, self.frameSize, self.floodConnections, self.floodPings, self.seconds)
        switch mode {
        case "latency": break
        case "frames":
            for line in try await DedicatedThread.run(name: "bench", { try BenchLoad.frames(endpoint, context: context, count: frameCount, size: frameSize) }) { print(line) }
            return
        case "flood":
            let authenticated = flood / 4, partial = (flood - authenticated) / 2
            for line in try await DedicatedThread.run(name: "bench", {
                try BenchLoad.flood(endpoint, context: context, idle: flood - authenticated - partial, partial: partial,
                                    authenticated: authenticated, pings: pings)
            }) { print(line) }
            return
        case "soak":
            for line in try await DedicatedThread.run(name: "bench", { try BenchSoak.run(endpoint, context: context, seconds: seconds) }) { print(line) }
            return
        default:
            throw ValidationError("--mode must be latency, frames, flood or soak")
        }
        let (handshakes, requests) = (self.handshakes, self.requests)
        let figures = try await DedicatedThread.run(name: "bench") { () throws -> [String] in
            var connect: [Double] = []
            for _ in 0..<handshakes {
                let start = ContinuousClock.now
                let client = try AgentClient.connect(to: endpoint, expectedNode: endpoint.host, context: context, timeout: .seconds(5))
                connect.append((ContinuousClock.now - start).seconds)
                client.close()
            }
            let client = try AgentClient.connect(to: endpoint, expectedNode: endpoint.host, context: context, timeout: .seconds(5))
            defer { client.close() }
            var roundTrips: [Double] = []
            for _ in 0..<requests {
                let start = ContinuousClock.now
                _ = try client.call(.ping, params: NoParams(), timeout: .seconds(5), as: PingResult.self)
                roundTrips.append((ContinuousClock.now - start).seconds)
            }
            return [
                "handshake+hello  n=\(handshakes)  p50 \(Durations.duration(percentile(connect, 50)))  p99 \(Durations.duration(percentile(connect, 99)))",
                "request rtt      n=\(requests)  p50 \(Durations.duration(percentile(roundTrips, 50)))  p99 \(Durations.duration(percentile(roundTrips, 99)))  (target p50 <= 150 µs)",
            ]
        }
        for line in figures { print(line) }
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
