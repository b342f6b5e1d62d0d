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

    @Option(help: "Coordinator certificate directory.") var certs: String
    @Option(help: "Agent HOST[:PORT].") var target: String
    @Option(help: "Handshakes to time.") var handshakes = 200
    @Option(help: "Round trips to time.") var requests = 5000

    func run() async throws {
        let context = try CertificateDirectory(path: certs).coordinatorContext()
        let endpoint = try Endpoint(parsing: target)
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
