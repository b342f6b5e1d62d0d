import ClockSync

/// `ceph -s --format json`: throws `ParseError`, or the status is a HEALTH_ word and the checks
/// are sorted by code with no code twice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCephStatus(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let status = try? CephStatus(json: FuzzInput(data, size).text) else { return 0 }
    require(status.status.hasPrefix("HEALTH_"), "status \"\(status.status)\"")
    let codes = status.checks.map(\.code)
    require(codes == codes.sorted() && Set(codes).count == codes.count, "check codes \(codes)")
    return 0
}
