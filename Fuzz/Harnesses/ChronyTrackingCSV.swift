import ClockSync

/// `chronyc -c tracking`: throws `ParseError`, or every number is real and the reference ID is
/// 8 upper-case hex digits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChronyTrackingCSV(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let tracking = try? ChronyTracking(csv: FuzzInput(data, size).text) else { return 0 }
    require(tracking.referenceID.count == 8 && tracking.referenceID.allSatisfy { $0.isHexDigit && !$0.isLowercase },
            "reference ID \"\(tracking.referenceID)\"")
    let numbers = [tracking.offsetSeconds, tracking.lastOffsetSeconds, tracking.rmsOffsetSeconds, tracking.frequencyPPM,
                   tracking.skewPPM, tracking.rootDelaySeconds, tracking.rootDispersionSeconds,
                   tracking.updateIntervalSeconds, tracking.referenceTime]
    require(numbers.allSatisfy(isReal), "a tracking number is not real: \(numbers)")
    return 0
}
