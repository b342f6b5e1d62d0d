import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// One node as the coordinator sees it: the agent's facts, parsed, and the clock offset measured
/// over the channel.
public struct NodeReport: Sendable {
    public var node: ClusterFile.Node
    public var isTimeServer: Bool
    public var facts: FactsResult?
    public var parsed: NodeFacts
    /// The node's clock minus this machine's clock (seconds), from `time.probe`.
    public var offsetFromHere: Double?
    public var error: String?
    /// What the agent would write for the cluster file's intent (`chrony.preview`), when the
    /// survey asked for it; `previewError` says why there is none.
    public var chronyPreview: ChronyPreviewResult?
    public var previewError: String?

    public var name: String { node.name.description }
    public var role: ChronyIntent.Role { isTimeServer ? .server : .client }
    public var reachable: Bool { error == nil }
}

/// Reaches every node of the cluster at once (bounded), collects facts and measures clocks.
public enum Survey {
    public struct Options: Sendable {
        public var concurrency = 32
        public var timeout: Duration = .seconds(10)
        public var probes = 4
        /// Also ask each agent to render the cluster file's intent (`meridian plan`).
        public var previewChrony = false
        /// The cluster's NTP keys for the preview's intents (`ntp_auth: keys`).
        public var keys: ClusterKeys?
        /// The most one node may take, all its calls together (`meridian serve`'s
        /// `survey_timeout_seconds` plus a margin); nil: each call has `timeout`, the node no
        /// overall bound. A node past it is reported unreachable with the deadline named.
        public var nodeDeadline: Duration?
        public init() {}
    }

    public static func run(_ cluster: ClusterFile, context: TLSContext, options: Options = Options()) async -> [NodeReport] {
        var reports: [NodeReport]
        if let deadline = options.nodeDeadline {
            reports = await FanOut.map(cluster.nodes, concurrency: options.concurrency, deadline: deadline, timedOut: { node in
                pastDeadline(node, in: cluster, deadline: deadline)
            }) { node in
                survey(node, in: cluster, context: context, options: options)
            }
        } else {
            reports = await FanOut.map(cluster.nodes, concurrency: options.concurrency) { node in
                survey(node, in: cluster, context: context, options: options)
            }
        }
        relateToTimeServer(&reports, cluster)
        return reports
    }

    static func survey(_ node: ClusterFile.Node, in cluster: ClusterFile, context: TLSContext, options: Options) -> NodeReport {
        let name = node.name.description
        var report = NodeReport(node: node, isTimeServer: cluster.isTimeServer(name), parsed: NodeFacts(node: name))
        do {
            let client = try connect(node, context: context, timeout: options.timeout)
            defer { client.close() }
            let facts = try client.call(.facts, params: NoParams(), timeout: options.timeout, as: FactsResult.self)
            report.facts = facts
            report.parsed = parse(facts, node: name)
            report.offsetFromHere = try Ping.measureOffset(client, probes: options.probes, timeout: options.timeout).offset
            if options.previewChrony {
                do {
                    let params = ChronyPreviewParams(intent: try ChronyIntent(for: name, in: cluster, keys: options.keys))
                    report.chronyPreview = try client.call(.previewChrony, params: params, timeout: options.timeout, as: ChronyPreviewResult.self)
                } catch {
                    report.previewError = "\(error)"
                }
            }
        } catch {
            report.error = "\(error)"
            report.parsed.unreachable = "\(error)"
        }
        return report
    }

    static func pastDeadline(_ node: ClusterFile.Node, in cluster: ClusterFile, deadline: Duration) -> NodeReport {
        let name = node.name.description
        var report = NodeReport(node: node, isTimeServer: cluster.isTimeServer(name), parsed: NodeFacts(node: name))
        let reason = "no complete answer from \(node.address) within the survey's per-node deadline of "
            + "\(Durations.duration(deadline.seconds))"
        report.error = reason
        report.parsed.unreachable = reason
        return report
    }

    public static func connect(_ node: ClusterFile.Node, context: TLSContext, timeout: Duration) throws -> AgentClient {
        try AgentClient.connect(to: Endpoint(host: node.address.description, port: Endpoint.defaultPort),
                                expectedNode: node.name.description, context: context, timeout: timeout)
    }

    /// Tool output → ClockSync's values. Output that does not parse is left out (and the verdict
    /// then says what is unknown) rather than guessed; why tracking is missing is kept, because
    /// "chronyd is not running" is a fact, not an unknown.
    static func parse(_ facts: FactsResult, node: String) -> NodeFacts {
        var parsed = NodeFacts(node: node)
        if let output = facts.tracking {
            if output.succeeded {
                do { parsed.tracking = try ChronyTracking(csv: output.stdout) } catch {
                    parsed.trackingFailure = .unparsable(reason: "\(error)")
                }
            } else {
                parsed.trackingFailure = ChronycFailure(status: output.status, stdout: output.stdout, stderr: output.stderr,
                                                        timedOut: output.timedOut)
            }
        }
        if let output = facts.sources, output.succeeded { parsed.sources = try? ChronySources.parse(csv: output.stdout) }
        if let output = facts.authdata, output.succeeded { parsed.authData = try? ChronyAuthData.parse(csv: output.stdout) }
        if let output = facts.ntpdata, output.succeeded { parsed.ntpData = try? ChronyNTPData.parse(csv: output.stdout) }
        parsed.timezone = facts.timezone
        if let output = facts.quorum, !output.stdout.isEmpty { parsed.quorum = try? QuorumStatus(output.stdout, printedBy: output.command) }
        if let output = facts.ceph, output.succeeded { parsed.ceph = try? CephStatus(json: output.stdout) }
        if let output = facts.cephTimeSync, output.succeeded { parsed.cephTimeSync = try? CephTimeSync(json: output.stdout) }
        parsed.firewall = facts.firewall.flatMap(FirewallVerdict.init(rawValue:))
        parsed.foreignSources = (facts.chronyConf.map(ChronyConf.foreignSources(in:)) ?? []) + facts.foreignSourceFiles
        return parsed
    }

    /// Meridian's own offsets are stated against the (first reachable) time server, the clock
    /// the cluster is meant to share.
    static func relateToTimeServer(_ reports: inout [NodeReport], _ cluster: ClusterFile) {
        guard let reference = reports.first(where: { $0.isTimeServer && $0.offsetFromHere != nil }),
              let base = reference.offsetFromHere else { return }
        for index in reports.indices {
            guard let here = reports[index].offsetFromHere else { continue }
            reports[index].parsed.measuredOffsetSeconds = here - base
            reports[index].parsed.measuredAgainst = reference.name
            if reports[index].name == reference.name { reports[index].parsed.measuredOffsetSeconds = nil }
        }
    }
}
