import ClockSync

/// `pvecm status`: throws `ParseError`, or each member has a node id and a name, and at
/// most one member is marked local.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuorumPvecm(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    guard let status = try? QuorumStatus(pvecmStatus: FuzzInput(data, size).text) else { return 0 }
    for member in status.members {
        require(!member.nodeID.isEmpty && !member.name.isEmpty, "member \(member)")
        require(member.name != "(local)", "the local marker taken as a name")
    }
    return 0
}
