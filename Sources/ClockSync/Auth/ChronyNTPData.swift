/// `chronyc -c ntpdata`: per NTP source, the last packet's details and the packet counters. It
/// is the evidence that tells a wrong key from a dead server: a server that cannot
/// authenticate a request drops it, so the client keeps sending (Total TX grows) and never gets
/// a valid answer (Total valid RX stays 0), while the server answers everyone else. Captured
/// (chrony 4.3, Fixtures/chrony/client-auth-wrong-key): `127.0.0.2,…,Invalid,…,No,No,Invalid,Invalid,10,0,0,0`.
///
/// 34 fields a line; Meridian reads the address (first), whether the last answer was
/// authenticated (7th from the end) and the four counters (last four: TX, RX, valid RX, good RX).
public struct ChronyNTPData: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var address: String
        public var authenticated: Bool
        public var sent: Int
        public var received: Int
        public var validReceived: Int
        public init(address: String, authenticated: Bool, sent: Int, received: Int, validReceived: Int) {
            self.address = address; self.authenticated = authenticated; self.sent = sent
            self.received = received; self.validReceived = validReceived
        }
    }

    public static let fieldCount = 34
    /// Requests sent with no valid answer before a silent keyed source counts as an
    /// authentication failure (iburst sends 4-8 within its first seconds; a fresh restart is not one).
    public static let unansweredRequests = 6

    public var sources: [Source]
    public init(sources: [Source]) { self.sources = sources }
    public func source(_ address: String) -> Source? { sources.first { $0.address == address } }

    public static func parse(csv text: String) throws(ParseError) -> ChronyNTPData {
        let input = "chronyc -c ntpdata"
        var sources: [Source] = []
        for (number, fields) in try TextInput.csvRecords(text, input, fields: fieldCount) {
            guard !fields[0].isEmpty else { throw ParseError(input, line: number, field: "address", expected: "an address") }
            let flag = fields[fieldCount - 7]
            guard flag == "Yes" || flag == "No" else {
                throw ParseError(input, line: number, field: "authenticated", expected: "Yes or No, found \"\(flag)\"")
            }
            sources.append(Source(
                address: String(fields[0]), authenticated: flag == "Yes",
                sent: try TextInput.int(fields[fieldCount - 4], input, line: number, field: "total TX"),
                received: try TextInput.int(fields[fieldCount - 3], input, line: number, field: "total RX"),
                validReceived: try TextInput.int(fields[fieldCount - 2], input, line: number, field: "total valid RX")))
        }
        return ChronyNTPData(sources: sources)
    }
}
