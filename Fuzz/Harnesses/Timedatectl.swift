import ClockSync

/// `timedatectl show`: throws `ParseError`, or the time zone is non-empty and within one line
/// (LF or CRLF line endings alike).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimedatectl(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let status = try? TimedateStatus(show: FuzzInput(data, size).text) else { return 0 }
    require(!status.timezone.isEmpty, "empty time zone")
    require(!status.timezone.contains("\n") && !status.timezone.contains("\r\n"), "time zone \"\(status.timezone)\" spans lines")
    return 0
}
