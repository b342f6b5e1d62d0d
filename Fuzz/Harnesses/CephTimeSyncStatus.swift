import ClockSync

/// `ceph time-sync-status --format json`: throws `ParseError`, or each monitor has real skew
/// and latency numbers, sorted by name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCephTimeSyncStatus(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let status = try? CephTimeSyncStatus(json: FuzzInput(data, size).text) else { return 0 }
    let names = status.monitors.map(\.name)
    require(names == names.sorted(), "monitors not sorted: \(names)")
    for monitor in status.monitors {
        require(isReal(monitor.skewSeconds) && isReal(monitor.latencySeconds), "monitor \(monitor)")
    }
    return 0
}
