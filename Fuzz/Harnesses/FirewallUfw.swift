import ClockSync

/// `ufw status`: the verdict does not depend on line endings (LF or CRLF, as a file edited
/// on Windows has), nor on a trailing newline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirewallUfw(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let text = FuzzInput(data, size).text
    guard !text.utf8.contains(13) else { return 0 }  // no CR at all: the CRLF variant is made below
    let verdict = try? FirewallRules.ufw(text)
    let crlf = try? FirewallRules.ufw(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
    require(crlf == verdict, "verdict \(String(describing: verdict)) with LF, \(String(describing: crlf)) with CRLF")
    require((try? FirewallRules.ufw(text + "\n")) == verdict, "a trailing newline changes the verdict")
    return 0
}
