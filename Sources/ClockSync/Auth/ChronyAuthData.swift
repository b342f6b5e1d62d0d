/// `chronyc -c authdata`: per source, how chrony authenticates it. Captured (chrony 4.3):
///
///     127.0.0.2,SK,1,13,128,4294967295,0,0,0,0     server with symmetric key 1 (AES128 CMAC)
///     127.0.0.8,-,0,0,0,4294967295,0,0,0,0         source without authentication
///
/// Fields: address, mode (`-` none, `SK` symmetric key, `NTS`), key id, type, key length in
/// bits, last (seconds since NTS-KE, 4294967295 = never), attempts, NAKs, cookies, cookie length.
public struct ChronyAuthData: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        case none = "-"
        case symmetricKey = "SK"
        case nts = "NTS"
    }

    public struct Source: Sendable, Equatable {
        public var address: String
        public var mode: Mode
        public var keyID: UInt32
        public var type: Int
        public var keyBits: Int
        public init(address: String, mode: Mode, keyID: UInt32, type: Int, keyBits: Int) {
            self.address = address; self.mode = mode; self.keyID = keyID; self.type = type; self.keyBits = keyBits
        }
        public var isAuthenticated: Bool { mode != .none }
    }

    public var sources: [Source]
    public init(sources: [Source]) { self.sources = sources }

    public func source(_ address: String) -> Source? { sources.first { $0.address == address } }

    public static func parse(csv text: String) throws(ParseError) -> ChronyAuthData {
        let input = "chronyc -c authdata"
        var sources: [Source] = []
        for (number, fields) in try TextInput.csvRecords(text, input, fields: 10) {
            guard !fields[0].isEmpty else { throw ParseError(input, line: number, field: "address", expected: "an address") }
            guard let mode = Mode(rawValue: String(fields[1])) else {
                throw ParseError(input, line: number, field: "mode", expected: "-, SK or NTS, found \"\(fields[1])\"")
            }
            guard let keyID = UInt32(fields[2]) else {
                throw ParseError(input, line: number, field: "key id", expected: "an unsigned integer, found \"\(fields[2])\"")
            }
            sources.append(Source(address: String(fields[0]), mode: mode, keyID: keyID,
                                  type: try TextInput.int(fields[3], input, line: number, field: "type"),
                                  keyBits: try TextInput.int(fields[4], input, line: number, field: "key length")))
        }
        return ChronyAuthData(sources: sources)
    }
}
