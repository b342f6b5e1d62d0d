import HostSystem
import JSONCore

/// `state_dir/jobs.jsonl`: one JSON line per event of a job, appended and fsynced before the
/// daemon goes on, so whatever a kill -9 interrupts is on disk up to the last line.
///
///     {"type":"started","job":"apply-3","kind":"apply","started_by":"operator alice","time":…}
///     {"type":"progress","job":"apply-3","line":"node2: chrony: changed — …","time":…}
///     {"type":"step","job":"apply-3","node":"node2","step":"chrony","outcome":"changed","detail":"…","time":…}
///     {"type":"finished","job":"apply-3","state":"finished"|"failed","verdict":"ok","time":…}
///     {"type":"interrupted","job":"apply-3","time":…}   (written at start-up for a job never finished)
public struct JobJournal: Sendable {
    public let path: String
    /// A journal larger than this is moved aside at start-up (`JobManager`) and a new one begun.
    static let readLimit = 64 << 20

    public init(path: String) { self.path = path }

    public func append(_ record: [String: JSONValue]) throws(HostError) {
        try AtomicFile.append(JSONValue.object(record).encodedBytes() + [0x0A], to: path)
    }

    /// What the journal says, oldest job first, plus how many lines could not be read (a line
    /// torn by a crash in the middle of a write is the usual one; it is skipped, never fatal) and
    /// whether the file ends in such a torn line (the next append must then start a new line).
    public func replay() throws(HostError) -> (jobs: [Job], skipped: Int, tornEnd: Bool) {
        guard let bytes = try AtomicFile.read(path, limit: Self.readLimit) else { return ([], 0, false) }
        var order: [String] = []
        var jobs: [String: Job] = [:]
        var skipped = 0
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let line = try? JSONValue(parsing: Array(raw)), let type = line["type"]?.stringValue,
                  let id = line["job"]?.stringValue, let time = line["time"]?.doubleValue, time.isFinite else {
                skipped += 1
                continue
            }
            if type == "started" {
                guard jobs[id] == nil else { skipped += 1; continue }
                order.append(id)
                jobs[id] = Job(id: id, kind: line["kind"]?.stringValue ?? "apply", started: time,
                               startedBy: line["started_by"]?.stringValue ?? "unknown")
                continue
            }
            guard var job = jobs[id] else { skipped += 1; continue }
            switch type {
            case "progress":
                job.append(line: line["line"]?.stringValue ?? "", at: time)
            case "step":
                job.steps.append(Job.Step(node: line["node"]?.stringValue ?? "-", step: line["step"]?.stringValue ?? "",
                                          outcome: line["outcome"]?.stringValue ?? "", detail: line["detail"]?.stringValue ?? ""))
            case "finished":
                job.state = Job.State(rawValue: line["state"]?.stringValue ?? "") ?? .failed
                if job.state == .running { job.state = .failed }
                job.verdict = line["verdict"]?.stringValue
                job.ended = time
            case "interrupted":
                job.state = .interrupted
                job.ended = time
            default:
                skipped += 1
                continue
            }
            jobs[id] = job
        }
        return (order.compactMap { jobs[$0] }, skipped, bytes.last.map { $0 != 0x0A } ?? false)
    }
}
