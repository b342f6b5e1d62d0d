/// `pvecm status` (Proxmox) or `corosync-quorumtool -s` (any corosync): is the cluster quorate,
/// with how many votes, and who is a member.
public struct QuorumStatus: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var nodeID: String
        public var votes: Int
        public var name: String
        public var isLocal: Bool
    }

    public var quorate: Bool
    public var expectedVotes: Int
    public var totalVotes: Int
    public var quorum: Int?
    public var members: [Member]

    public init(pvecmStatus text: String) throws(ParseError) { try self.init(text, input: "pvecm status") }
    public init(quorumtool text: String) throws(ParseError) { try self.init(text, input: "corosync-quorumtool -s") }

    /// The output of whichever program the agent ran (`argv`): `corosync-quorumtool` on nodes
    /// without Proxmox's `pvecm`, otherwise `pvecm status` (or the lab's stand-in for it).
    public init(_ text: String, printedBy argv: [String]) throws(ParseError) {
        if argv.first?.split(separator: "/").last == "corosync-quorumtool" { try self.init(quorumtool: text) } else { try self.init(pvecmStatus: text) }
    }

    private init(_ text: String, input: String) throws(ParseError) {
        try TextInput.checkPrintable(text, input)
        let lines = TextInput.lines(text)
        var values: [String: (String, Int)] = [:]
        var membersStart: Int?
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("Membership information") { membersStart = index + 1; break }
            if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") {
                values[line[..<colon].trimmingWhitespace] = (line[line.index(after: colon)...].trimmingWhitespace, index + 1)
            }
        }
        func required(_ key: String) throws(ParseError) -> (String, Int) {
            guard let value = values[key] else { throw ParseError(input, field: key, expected: "a \"\(key):\" line") }
            return value
        }
        let (quorateText, quorateLine) = try required("Quorate")
        switch quorateText {
        case "Yes": quorate = true
        case "No": quorate = false
        default: throw ParseError(input, line: quorateLine, field: "Quorate", expected: "Yes or No, found \"\(quorateText)\"")
        }
        let (expected, expectedLine) = try required("Expected votes")
        expectedVotes = try TextInput.int(Substring(expected), input, line: expectedLine, field: "Expected votes")
        let (total, totalLine) = try required("Total votes")
        totalVotes = try TextInput.int(Substring(total), input, line: totalLine, field: "Total votes")
        // "Quorum:           1 Activity blocked" when not quorate.
        quorum = values["Quorum"].flatMap { Int($0.0.split(separator: " ").first ?? "") }
        members = []
        guard let start = membersStart else {
            throw ParseError(input, expected: "a \"Membership information\" section")
        }
        for index in start..<lines.count {
            let line = lines[index]
            if line.hasPrefix("---") || line.contains("Nodeid") { continue }
            var words = line.split(separator: " ")
            let isLocal = words.last == "(local)"
            if isLocal { words.removeLast() }
            // "0x00000001 1 192.168.1.101" or, with a QDevice column, "1 1 NR master-0".
            guard words.count >= 3, let votes = Int(words[1]) else {
                throw ParseError(input, line: index + 1, expected: "NODEID VOTES [QDEVICE] NAME, found \"\(line)\"")
            }
            members.append(Member(nodeID: String(words[0]), votes: votes, name: String(words[words.count - 1]), isLocal: isLocal))
        }
    }
}
