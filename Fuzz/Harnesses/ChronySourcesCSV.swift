import ClockSync

/// `chronyc -c sources`: throws `ParseError`, or each source has an address, a reach that
/// fits chrony's 8-bit register, a last-rx that is not negative, and real offsets.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChronySourcesCSV(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let parsed = try? ChronySources.parse(csv: FuzzInput(data, size).text) else { return 0 }
    for source in parsed.sources {
        require(!source.address.isEmpty, "source without an address")
        require((0...0o377).contains(source.reach), "reach \(source.reach)")
        require((source.lastRxSeconds ?? 0) >= 0, "last rx \(source.lastRxSeconds ?? 0)")
        let numbers = [source.adjustedOffsetSeconds, source.measuredOffsetSeconds, source.errorSeconds]
        require(numbers.allSatisfy(isReal), "a source offset is not real: \(numbers)")
    }
    return 0
}
