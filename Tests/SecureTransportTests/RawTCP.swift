import SecureTransport
import TestSupport

/// A plain TCP client (no TLS) for tests that misbehave on purpose, built on a TLS-less
/// connection: plaintext, silence, half frames.
final class RawTCP {
    private let connection: PlainConnection

    init(_ endpoint: Endpoint) throws {
        connection = try PlainConnection.connect(to: endpoint, timeout: .seconds(5))
    }

    func send(_ bytes: [UInt8]) throws { try connection.write(bytes, timeout: .seconds(5)) }
    func receive(timeout: Duration = .seconds(5)) throws -> [UInt8] { try connection.read(maxBytes: 65536, timeout: timeout) }
    func close() { connection.close() }
}
