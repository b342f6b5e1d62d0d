import HostSystem
import Synchronization
import WireProtocol

/// `meridian serve --textfile DIR` (or `textfile_dir` in serve.json): after every survey the
/// `/metrics` text is written atomically (temp, fsync, rename) to DIR/meridian.prom, for
/// node_exporter's textfile collector at sites that scrape nothing new.
///
/// The snapshot observer only hands the snapshot over; the write (an fsync) runs on a thread of
/// its own, and a survey that lands while one is written replaces the pending one, so a slow
/// disk never queues up stale files or holds up the watch loop.
public final class TextfileWriter: Sendable {
    public let path: String
    private let state: ServiceState
    private let log: @Sendable (String) -> Void
    private let inner = Mutex<Inner>(Inner())

    private struct Inner {
        var pending: Snapshot?
        var histogram = SurveyHistogram()
        var writing = false
        var token: UInt64?
        var written = 0
    }

    public static let fileName = "meridian.prom"

    public init(directory: String, state: ServiceState, log: @escaping @Sendable (String) -> Void) throws(ServiceError) {
        guard directory.hasPrefix("/") else { throw ServiceError(.invalidConfiguration, "--textfile must be an absolute directory path, found \"\(directory)\"") }
        var isDirectory = false
        if AtomicFile.exists(directory) {
            isDirectory = !AtomicFile.isRegularFile(directory)
        }
        guard isDirectory else { throw ServiceError(.invalidConfiguration, "--textfile \(directory): no such directory") }
        path = directory + "/" + Self.fileName
        self.state = state
        self.log = log
    }

    /// How many files were written (the tests wait on it).
    public var written: Int { inner.withLock { $0.written } }

    public func start() {
        let token = state.observeSnapshots { [weak self] snapshot in self?.hand(snapshot) }
        inner.withLock { $0.token = token }
        _ = AtomicFile.removeStaleTemporaries(of: path)
        // `meridian serve` starts it after the first survey was published: write that one too.
        if let latest = state.latest { hand(latest) }
    }

    public func stop() {
        if let token = inner.withLock({ value -> UInt64? in defer { value.token = nil }; return value.token }) { state.stopObserving(token) }
    }

    func hand(_ snapshot: Snapshot) {
        let startWriter = inner.withLock { inner -> Bool in
            inner.pending = snapshot
            inner.histogram.observe(snapshot.durationSeconds)
            guard !inner.writing else { return false }
            inner.writing = true
            return true
        }
        guard startWriter else { return }
        do {
            try DedicatedThread.start(name: "textfile") { [self] in drain() }
        } catch {
            inner.withLock { $0.writing = false }
            log("textfile: \(error)")
        }
    }

    private func drain() {
        while let (snapshot, histogram) = inner.withLock({ inner -> (Snapshot, SurveyHistogram)? in
            defer { inner.pending = nil }
            guard let pending = inner.pending else { inner.writing = false; return nil }
            return (pending, inner.histogram)
        }) {
            let text = MetricsText.render(snapshot, durations: histogram, version: MeridianVersion.current)
            do {
                try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
                inner.withLock { $0.written += 1 }
            } catch {
                log("textfile: cannot write \(path): \(error)")
            }
        }
    }
}
