import ClockSync

/// `nft list ruleset`: the verdict does not depend on line endings (LF or CRLF, as a file edited
/// on Windows has), nor on a trailing newline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirewallNftables(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let text = FuzzInput(data, size).text
    guard !text.utf8.contains(13) else { return 0 }  // no CR at all: the CRLF variant is made below
    let verdict = FirewallRules.nftables(text)
    let crlf = FirewallRules.nftables(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
    require(crlf == verdict, "verdict \(String(describing: verdict)) with LF, \(String(describing: crlf)) with CRLF")
    require(FirewallRules.nftables(text + "\n") == verdict, "a trailing newline changes the verdict")
    return 0
}
