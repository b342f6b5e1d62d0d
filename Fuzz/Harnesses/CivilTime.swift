import ClockSync

/// Civil time. Text input: `parseAdminTime` throws `ParseError` or gives an epoch within the
/// accepted years (1970…2200, give or take a 14-hour offset), and the chronyc form of a
/// non-negative epoch parses back to it. The first 8 bytes as an Int64: `chronyText` must not
/// trap on any epoch, and round-trips within chrony's years.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCivilTime(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let lowest: Int64 = -14 * 3600
    let highest: Int64 = 7_289_654_400 + 15 * 3600  // 2201-01-01T00:00:00Z plus the widest offset
    if let epoch = try? CivilTime.parseAdminTime(input.text) {
        require(epoch >= lowest && epoch < highest, "epoch \(epoch) from \"\(input.text)\"")
        if epoch >= 0 { checkChronyRoundTrip(epoch) }
    }
    if let epoch = try? CivilTime.parseChronyText(input.text) {
        require(epoch >= 0 && epoch < highest, "epoch \(epoch) from \"\(input.text)\"")
        checkChronyRoundTrip(epoch)
    }
    if input.bytes.count >= 8 {
        let epoch = input.bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let text = CivilTime.chronyText(epochSeconds: epoch)
        if epoch >= 0 && epoch < 7_289_654_400 {
            require((try? CivilTime.parseChronyText(text)) == epoch, "\(epoch) prints as \"\(text)\" which does not parse back")
        }
    }
    return 0
}

private func checkChronyRoundTrip(_ epoch: Int64) {
    let text = CivilTime.chronyText(epochSeconds: epoch)
    require((try? CivilTime.parseChronyText(text)) == epoch, "\(epoch) prints as \"\(text)\" which does not parse back")
}
