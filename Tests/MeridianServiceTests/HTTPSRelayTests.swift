import HostSystem
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// The TLS relay's bounds, with Meridian's own TLS client (many at once, a full listener, an idle
/// session) and a silent TCP client (a handshake that never starts).
@Suite(.serialized) struct HTTPSRelayTests {
    /// One HTTP/1.0 GET over a fresh TLS connection; the listener closes after the reply.
    static func get(_ address: String, _ context: TLSContext, path: String = "/metrics") throws -> LoopbackHTTPClient.Response {
        let connection = try TLSConnection.connect(to: try Endpoint(parsing: address), context: context, timeout: .seconds(10))
        defer { connection.close() }
        try connection.write(Array("GET \(path) HTTP/1.0\r\nHost: \(address)\r\nConnection: close\r\n\r\n".utf8), timeout: .seconds(10))
        var reply: [UInt8] = []
        while true {
            let bytes = try connection.read(maxBytes: 64 * 1024, timeout: .seconds(10))
            if bytes.isEmpty { break }
            reply += bytes
        }
        return try LoopbackHTTPClient.parse(reply, from: address)
    }

    static func client(_ pki: TestPKI) throws -> TLSContext { try TLSContext(pki.coordinatorTLS()) }

    @Test func manyConcurrentClientsAreAllServed() async throws {
        try await HTTPSFixture.with { served in
            let context = try Self.client(served.pki)
            let address = served.address
            let clients = 96
            let outcomes = ThreadCondition<[Bool]>([])
            try await DedicatedThread.run(name: "relay-test") {
                for _ in 0..<clients {
                    try DedicatedThread.start(name: "relay-client") {
                        let ok = (try? Self.get(address, context))?.bodyText.contains("meridian_node_offset_seconds{") ?? false
                        outcomes.update { $0.append(ok) }
                    }
                }
                outcomes.wait(until: { $0.count == clients }, timeout: .seconds(120)) { _, _ in () }
            }
            let results = outcomes.read { $0 }
            #expect(results.count == clients && results.allSatisfy { $0 }, "\(results.filter { !$0 }.count) of \(clients) failed")
            let counts = try #require(served.monitor.relayConnectionCounts)
            #expect(counts.peak <= 64, "at most 64 at once, saw \(counts.peak)")
        }
    }

    /// With the limit reached, the next client waits in the backlog (its handshake times out
    /// here); once a connection closes, a client is served again.
    @Test func theConnectionLimitHoldsTheNextClientBack() async throws {
        try await HTTPSFixture.with(adjust: { _, https, _ in https.limits.maxConnections = 4 }) { served in
            let context = try Self.client(served.pki)
            let endpoint = try Endpoint(parsing: served.address)
            let address = served.address
            try await DedicatedThread.run(name: "relay-test") {
                var open = try (0..<4).map { _ in try TLSConnection.connect(to: endpoint, context: context, timeout: .seconds(10)) }
                #expect(served.monitor.relayConnectionCounts?.active == 4)
                #expect(throws: TransportError.self) {
                    _ = try TLSConnection.connect(to: endpoint, context: context, timeout: .milliseconds(800))
                }
                #expect(served.monitor.relayConnectionCounts?.peak == 4)
                open.removeFirst().close()
                let reply = try Self.get(address, context)
                #expect(reply.status == 200)
                for connection in open { connection.close() }
            }
        }
    }

    @Test func anIdleSessionIsClosed() async throws {
        try await HTTPSFixture.with(adjust: { _, https, _ in https.limits.idleTimeout = .milliseconds(500) }) { served in
            let context = try Self.client(served.pki)
            let endpoint = try Endpoint(parsing: served.address)
            let (bytes, elapsed) = try await DedicatedThread.run(name: "relay-test") {
                let connection = try TLSConnection.connect(to: endpoint, context: context, timeout: .seconds(10))
                defer { connection.close() }
                let start = ContinuousClock.now
                let bytes = try connection.read(maxBytes: 1024, timeout: .seconds(10))
                return (bytes, (ContinuousClock.now - start).seconds)
            }
            #expect(bytes.isEmpty, "closed without a byte")
            #expect(elapsed >= 0.4 && elapsed < 5, "closed after the 0.5 s idle timeout, took \(elapsed) s")
            // The relay's thread counts the connection out just after closing it.
            var active = served.monitor.relayConnectionCounts?.active
            for _ in 0..<100 where active != 0 {
                try await Task.sleep(for: .milliseconds(20))
                active = served.monitor.relayConnectionCounts?.active
            }
            #expect(active == 0)
        }
    }

    /// A client that connects and never starts its handshake is cut off at the deadline, and
    /// meanwhile others are accepted and served.
    @Test func aSilentClientDoesNotHoldUpOthersAndIsCutOff() async throws {
        try await HTTPSFixture.with(adjust: { _, https, _ in https.limits.handshakeTimeout = .seconds(2) }) { served in
            let context = try Self.client(served.pki)
            let endpoint = try Endpoint(parsing: served.address)
            let address = served.address
            let (served1, servedAfter, closedAfter, leftover) = try await DedicatedThread.run(name: "relay-test") {
                let start = ContinuousClock.now
                let silent = try PlainConnection.connect(to: endpoint, timeout: .seconds(5))
                let other = try Self.get(address, context)
                let servedAfter = (ContinuousClock.now - start).seconds
                let bytes = try silent.read(maxBytes: 1024, timeout: .seconds(10))
                return (other.status == 200, servedAfter, (ContinuousClock.now - start).seconds, bytes)
            }
            #expect(served1 && servedAfter < 1.5, "served after \(servedAfter) s while a handshake was pending")
            #expect(leftover.isEmpty && closedAfter >= 1.8 && closedAfter < 6, "the silent client was closed after \(closedAfter) s")
            let named = await served.log.contains { $0.contains("did not finish in time") }
            #expect(named, "\(served.log.all)")
        }
    }
}
