import HostSystem
import SecureTransport
import WireProtocol

/// `meridian ping`: hello, then several `time.probe` exchanges per agent; the probe with the
/// smallest round trip gives the offset (NTP's rule: the least-delayed sample is the least skewed).
public enum Ping {
    public struct Options: Sendable {
        public var probes = 8
        public var timeout: Duration = .seconds(5)
        public var concurrency = 64
        public init() {}
    }

    public static func run(targets: [String], certificates: CertificateDirectory, options: Options = Options()) async throws -> [PingReport] {
        let context = try certificates.coordinatorContext()
        return await FanOut.map(targets, concurrency: options.concurrency) { target in
            ping(target: target, expectedNode: nil, context: context, options: options)
        }
    }

    /// Pings one agent; never throws: every failure becomes a report naming the reason.
    public static func ping(target: String, expectedNode: String?, context: TLSContext, options: Options) -> PingReport {
        do {
            let endpoint = try Endpoint(parsing: target)
            let client = try AgentClient.connect(
                to: endpoint, expectedNode: expectedNode ?? endpoint.host, context: context, timeout: options.timeout)
            defer { client.close() }
            let measurement = try measureOffset(client, probes: options.probes, timeout: options.timeout)
            return PingReport(target: target, ok: true, node: client.hello.node, agentVersion: client.hello.agentVersion,
                              rttSeconds: measurement.delay, offsetSeconds: measurement.offset)
        } catch {
            return PingReport(target: target, ok: false, error: "\(error)")
        }
    }

    /// NTP-style measurement over an open connection: t1/t4 from our wall clock, t2/t3 from the agent's.
    public static func measureOffset(_ client: AgentClient, probes: Int, timeout: Duration) throws -> ClockSample {
        var samples: [ClockSample] = []
        for _ in 0..<max(1, probes) {
            let t1 = WallClock.now()
            let result = try client.call(.probe, params: ProbeParams(clientSend: t1), timeout: timeout, as: ProbeResult.self)
            let t4 = WallClock.now()
            let sample = ClockSample(t1: t1, t2: result.receive, t3: result.send, t4: t4)
            if let impossibility = sample.impossibility {
                throw CoordinatorError(.agent, "\(client.endpoint): time.probe answer cannot be true: \(impossibility)")
            }
            samples.append(sample)
        }
        guard let best = ClockSample.best(samples) else {
            throw CoordinatorError(.agent, "\(client.endpoint): no clock sample")
        }
        return best
    }
}
