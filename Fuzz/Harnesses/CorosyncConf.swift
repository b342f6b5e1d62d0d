import ClockSync

/// `corosync.conf`: `nodes(in:)` throws `ParseError` or lists at least one node, and CRLF line
/// endings read the same as LF.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCorosyncConf(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let text = FuzzInput(data, size).text
    _ = CorosyncConf.clusterName(in: text)
    guard let nodes = try? CorosyncConf.nodes(in: text) else { return 0 }
    require(!nodes.isEmpty, "no nodes and no error")
    if !text.utf8.contains(13) {
        let crlf = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        require((try? CorosyncConf.nodes(in: crlf)) == nodes, "CRLF line endings read differently")
    }
    return 0
}
