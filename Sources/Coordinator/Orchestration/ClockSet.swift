import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// `meridian clock set`: sets the time servers' clock through chrony's manual input, so chrony
/// learns the step instead of fighting it. Clients follow through NTP.
public enum ClockSet {
    public enum Target: Sendable {
        /// A point in time (seconds since the epoch, UTC).
        case absolute(Int64)
        /// The clock of the machine running meridian.
        case here
    }

    public struct Outcome: Sendable, Encodable {
        public var node: String
        public var stepSeconds: Double?
        public var detail: String
        public var failed: Bool

        enum CodingKeys: String, CodingKey {
            case node, detail, failed
            case stepSeconds = "step_seconds"
        }
    }

    public static let maxJumpWithoutForce = 600.0

    public static func run(_ cluster: ClusterFile, context: TLSContext, target: Target, force: Bool,
                           timeout: Duration = .seconds(10)) async throws(CoordinatorError) -> [Outcome] {
        guard cluster.options.manualTime else {
            throw CoordinatorError(.notAllowed, "the cluster file does not allow manual time input: set options.manual_time to true, run `meridian apply` (it adds chrony's `manual` directive on the time servers), then retry")
        }
        let servers = cluster.timeServerNodes
        return await FanOut.map(servers, concurrency: servers.count) { node in
            setOne(node, target: target, force: force, context: context, timeout: timeout)
        }
    }

    static func setOne(_ node: ClusterFile.Node, target: Target, force: Bool, context: TLSContext, timeout: Duration) -> Outcome {
        let name = node.name.description
        do {
            let client = try Survey.connect(node, context: context, timeout: timeout)
            defer { client.close() }
            let sample = try Ping.measureOffset(client, probes: 4, timeout: timeout)
            // The time the server should show when our request reaches it (half a round trip from
            // now). chronyc settime takes whole seconds, so for --from-here we send exactly as the
            // arrival crosses a second boundary.
            func arrivalNow() -> Double {
                let now = WallClock.now()
                return Double(now.seconds) + Double(now.nanoseconds) / 1e9 + sample.delay / 2
            }
            var arrival = arrivalNow()
            let wanted: Double
            switch target {
            case .here:
                let boundary = (arrival + 0.02).rounded(.up)
                ChildProcess.sleep(.nanoseconds(Int64((boundary - arrival) * 1e9)))
                arrival = arrivalNow()
                wanted = boundary
            case .absolute(let seconds):
                wanted = Double(seconds)
            }
            let serverNow = arrival + sample.offset
            let step = wanted - serverNow
            if abs(step) > maxJumpWithoutForce && !force {
                return Outcome(node: name, stepSeconds: step, detail: "refused: a jump of \(Durations.duration(abs(step))) is more than 10 minutes; add --force if that is really meant", failed: true)
            }
            let seconds = Int64(wanted.rounded())
            let result = try client.call(.setClock, params: SetClockParams(time: Timestamp(seconds: seconds, nanoseconds: 0)),
                                         timeout: timeout, as: ChangeResult.self)
            return Outcome(node: name, stepSeconds: step, detail: result.detail, failed: false)
        } catch {
            return Outcome(node: name, stepSeconds: nil, detail: "\(error)", failed: true)
        }
    }
}
