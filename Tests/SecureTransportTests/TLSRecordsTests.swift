import Testing
import TestSupport

/// The check the plaintext tests rely on: it accepts silence or alerts and refuses anything
/// a server could have answered in plaintext.
@Suite struct TLSRecordsTests {
    @Test(arguments: [
        ([], true),
        ([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46], true),
        ([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28, 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00], true),
        (Array("HTTP/1.0 400 Bad Request\r\n\r\n".utf8), false),
        (Array("{\"jsonrpc\":\"2.0\",\"error\":{}}".utf8), false),
        ([0x00, 0x00, 0x00, 0x10] + Array("{\"jsonrpc\":\"2.0\"}".utf8), false),
        ([0x17, 0x03, 0x03, 0x00, 0x02, 0x00, 0x00], false),
        ([0x15, 0x03, 0x03, 0x00, 0x02, 0x02], false),
    ] as [([UInt8], Bool)])
    func onlyAlerts(bytes: [UInt8], expected: Bool) {
        #expect(TLSRecords.isOnlyAlerts(bytes) == expected)
    }
}
