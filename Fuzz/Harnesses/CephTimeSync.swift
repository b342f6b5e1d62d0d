import ClockSync

/// `ceph time-sync-status --format json`: throws `ParseError`, or every monitor is named once,
/// in order, with a finite skew and latency, a HEALTH_ word, and details only when non-empty.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCephTimeSync(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let sync = try? CephTimeSync(json: FuzzInput(data, size).text) else { return 0 }
    let names = sync.monitors.map(\.name)
    require(names == names.sorted() && Set(names).count == names.count, "monitor names \(names)")
    for monitor in sync.monitors {
        require(monitor.skewSeconds.isFinite && monitor.latencySeconds.isFinite, "\(monitor.name): skew/latency not finite")
        require(monitor.health.hasPrefix("HEALTH_"), "\(monitor.name): health \"\(monitor.health)\"")
        require(monitor.details.map { !$0.isEmpty } ?? true, "\(monitor.name): empty details kept")
    }
    return 0
}
