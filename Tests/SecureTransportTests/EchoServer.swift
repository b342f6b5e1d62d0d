import HostSystem
import SecureTransport
import Synchronization
import TestSupport

/// A TLS echo server on 127.0.0.1 with the agent role: each connection is handshaken and echoed
/// on its own thread; server-side failures are recorded for the test to inspect.
final class EchoServer: Sendable {
    let listener: TLSListener
    private let failures = Mutex<[TransportError]>([])
    private let peers = Mutex<[PeerIdentity]>([])
    private let stopped = Mutex(false)

    init(_ configuration: TLSConfiguration, handshakeTimeout: Duration = .seconds(5)) throws {
        listener = try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(configuration))
        try DedicatedThread.start(name: "echo-accept") { [self] in
            while !stopped.withLock({ $0 }) {
                guard let connection = try? listener.accept(timeout: .milliseconds(50)) else { continue }
                try? DedicatedThread.start(name: "echo-conn") { [self] in
                    defer { connection.close() }
                    do {
                        try connection.handshake(timeout: handshakeTimeout)
                        if let peer = connection.peer { peers.withLock { $0.append(peer) } }
                        while true {
                            let bytes = try connection.read(maxBytes: 4096, timeout: .seconds(5))
                            if bytes.isEmpty { return }
                            try connection.write(bytes, timeout: .seconds(5))
                        }
                    } catch let error as TransportError {
                        failures.withLock { $0.append(error) }
                    } catch {}
                }
            }
            listener.close()
        }
    }

    var endpoint: Endpoint { listener.localEndpoint }
    var recordedFailures: [TransportError] { failures.withLock { $0 } }
    var recordedPeers: [PeerIdentity] { peers.withLock { $0 } }

    /// Waits briefly for the server thread to record a failure.
    func waitForFailure(timeout: Duration = .seconds(5)) -> TransportError? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let first = recordedFailures.first { return first }
            ChildProcess.sleep(.milliseconds(10))
        }
        return nil
    }

    func stop() { stopped.withLock { $0 = true } }
    deinit { stop() }
}

/// One echo round trip; the first read is where a TLS 1.3 client learns it was refused.
func echo(_ text: String, to endpoint: Endpoint, with configuration: TLSConfiguration, expectedNode: String? = nil) throws -> String {
    let connection = try TLSConnection.connect(to: endpoint, context: TLSContext(configuration), expectedNode: expectedNode, timeout: .seconds(5))
    defer { connection.close() }
    try connection.write(Array(text.utf8), timeout: .seconds(5))
    return String(decoding: try connection.read(maxBytes: 4096, timeout: .seconds(5)), as: UTF8.self)
}

func verificationFailure(of body: () throws -> Void) -> VerificationFailure? {
    do { try body() } catch let error as TransportError {
        if case .verification(let reason) = error.kind { return reason }
    } catch {}
    return nil
}
