import ClockSync
import Coordinator

/// `GET /metrics` and the textfile: the latest survey in the Prometheus text format 0.0.4.
///
/// Rendered here rather than with swift-prometheus: every gauge is a function of one snapshot, so
/// a node that leaves the cluster file simply has no series in the next survey (a registry keeps
/// a labelled gauge until someone unregisters it), and a pure function from values to text is
/// golden-testable. The one piece of state, the survey-duration histogram, is a value
/// (`SurveyHistogram`) its owner keeps.
///
/// `meridian_node_verdict` is the monitoring-plugin number: 0 ok, 1 warning, 2 critical,
/// 3 unknown, so `>= 2` is "critical or worse" and rules need no label matching. Offsets are
/// absent (not 0) for a node that did not answer: unknown is not "in sync".
public enum MetricsText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ snapshot: Snapshot?, durations: SurveyHistogram, version: String) -> String {
        var out = PrometheusText()
        out.family("meridian_build_info", .gauge, help: "Meridian's version; always 1.")
        out.sample("meridian_build_info", [("version", version)], 1)
        histogram(&out, durations)
        guard let snapshot else { return out.text }
        let report = snapshot.status
        let cluster = ("cluster", report.cluster.name)
        out.family("meridian_last_survey_timestamp_seconds", .gauge, help: "When the last survey started (seconds since the epoch).")
        out.sample("meridian_last_survey_timestamp_seconds", [cluster], snapshot.time)
        out.family("meridian_cluster_verdict", .gauge, help: "The cluster's verdict: 0 ok, 1 warning, 2 critical, 3 unknown.")
        out.sample("meridian_cluster_verdict", [cluster], Double(report.severity.rawValue))
        out.family("meridian_cluster_max_offset_seconds", .gauge, help: "The cluster file's tolerance (max offset); half of it is a warning.")
        out.sample("meridian_cluster_max_offset_seconds", [cluster], report.cluster.maxOffsetSeconds)
        if let quorum = report.nodes.lazy.compactMap(\.parsed.quorum).first {
            out.family("meridian_cluster_quorate", .gauge, help: "1 when corosync reports the cluster quorate (first node that answered).")
            out.sample("meridian_cluster_quorate", [cluster], quorum.quorate ? 1 : 0)
        }
        nodeFamilies(&out, snapshot, cluster)
        ceph(&out, report, cluster)
        return out.text
    }

    static func histogram(_ out: inout PrometheusText, _ durations: SurveyHistogram) {
        out.family("meridian_survey_duration_seconds", .histogram, help: "How long a survey of every node took.")
        for (bound, count) in durations.cumulative {
            out.sample("meridian_survey_duration_seconds_bucket", [("le", PrometheusText.number(bound))], Double(count))
        }
        out.sample("meridian_survey_duration_seconds_sum", [], durations.sum)
        out.sample("meridian_survey_duration_seconds_count", [], Double(durations.count))
    }

    static func nodeFamilies(_ out: inout PrometheusText, _ snapshot: Snapshot, _ cluster: (String, String)) {
        let report = snapshot.status
        let samples = snapshot.samples
        func labels(_ sample: NodeSample) -> [(String, String)] { [cluster, ("node", sample.node)] }
        typealias Family = (name: String, help: String, value: (NodeSample) -> Double?)
        let families: [Family] = [
            ("meridian_node_offset_seconds", "The node's clock minus the time server's, measured by Meridian over its channel.", { $0.offsetSeconds }),
            ("meridian_node_chrony_offset_seconds", "chronyd's own estimate of the node's offset from its source (tracking).", { $0.chronyOffsetSeconds }),
            ("meridian_node_root_distance_seconds", "chronyd's root distance: root delay / 2 + root dispersion.", { $0.rootDistanceSeconds }),
            ("meridian_node_stratum", "The node's NTP stratum.", { $0.stratum.map(Double.init) }),
            ("meridian_node_synced", "1 when the node follows a time server (a server: serves).", { $0.reachable ? ($0.synced ? 1 : 0) : nil }),
            ("meridian_node_reachable", "1 when the node's agent answered the survey.", { $0.reachable ? 1 : 0 }),
            ("meridian_node_verdict", "The node's verdict: 0 ok, 1 warning, 2 critical, 3 unknown.", {
                Double(report.verdict(of: $0.node)?.severity.rawValue ?? Severity.unknown.rawValue)
            }),
            ("meridian_node_ceph_skew_seconds", "Ceph's clock skew for the node's monitor, where Ceph reported one.", { $0.cephSkewSeconds }),
        ]
        for family in families {
            let values = samples.compactMap { sample in family.value(sample).map { (sample, $0) } }
            guard !values.isEmpty else { continue }
            out.family(family.name, .gauge, help: family.help)
            for (sample, value) in values { out.sample(family.name, labels(sample), value) }
        }
    }

    /// Ceph's per-monitor skew from `MON_CLOCK_SKEW`'s detail lines (`mon.c clock skew 0.499118s
    /// > max 0.05s (latency …)`), and whether the check is raised, from the first node whose
    /// agent could run `ceph -s`.
    static func ceph(_ out: inout PrometheusText, _ report: StatusReport, _ cluster: (String, String)) {
        guard let status = report.nodes.lazy.compactMap(\.parsed.ceph).first else { return }
        out.family("meridian_ceph_clock_skew_detected", .gauge, help: "1 when Ceph raises MON_CLOCK_SKEW.")
        out.sample("meridian_ceph_clock_skew_detected", [cluster], status.clockSkew == nil ? 0 : 1)
        let skews = (status.clockSkew?.details ?? []).compactMap(monitorSkew)
        guard !skews.isEmpty else { return }
        out.family("meridian_ceph_mon_clock_skew_seconds", .gauge, help: "Ceph's clock skew per monitor, as MON_CLOCK_SKEW reports it.")
        var seen = Set<String>()
        for (monitor, skew) in skews where seen.insert(monitor).inserted {
            out.sample("meridian_ceph_mon_clock_skew_seconds", [cluster, ("mon", monitor)], skew)
        }
    }

    /// `mon.c clock skew 0.499118s > max 0.05s …` → ("c", 0.499118); anything else → nil.
    static func monitorSkew(_ line: String) -> (String, Double)? {
        let words = line.split(separator: " ")
        guard words.count >= 4, words[0].hasPrefix("mon."), words[1] == "clock", words[2] == "skew",
              words[3].hasSuffix("s"), let skew = Double(words[3].dropLast()), skew.isFinite else { return nil }
        return (String(words[0].dropFirst(4)), skew)
    }
}
