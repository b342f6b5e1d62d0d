import ClockSync

/// a Proxmox `.fw` file: the verdict does not depend on line endings (LF or CRLF, as a file edited
/// on Windows has), nor on a trailing newline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirewallProxmox(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let text = FuzzInput(data, size).text
    guard !text.utf8.contains(13) else { return 0 }  // no CR at all: the CRLF variant is made below
    let verdict = FirewallRules.proxmox(text)
    let crlf = FirewallRules.proxmox(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
    require(crlf == verdict, "verdict \(String(describing: verdict)) with LF, \(String(describing: crlf)) with CRLF")
    require(FirewallRules.proxmox(text + "\n") == verdict, "a trailing newline changes the verdict")
    return 0
}
