import ClockSync

/// `chronyc -c sourcestats`: throws `ParseError`, or each entry has an address and real numbers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChronySourceStatsCSV(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let stats = try? ChronySourceStats.parse(csv: FuzzInput(data, size).text) else { return 0 }
    for entry in stats.entries {
        require(!entry.address.isEmpty, "entry without an address")
        let numbers = [entry.frequencyPPM, entry.skewPPM, entry.offsetSeconds, entry.standardDeviationSeconds]
        require(numbers.allSatisfy(isReal), "a sourcestats number is not real: \(numbers)")
    }
    return 0
}
