import HostSystem
import SecureTransport
import Synchronization
import TestSupport

/// A TLS echo server on 127.0.0.1 with the agent role: each connection is handshaken and echoed
/// on its own thread; server-side failures are recorded for the test to inspect.
///
/// The accept thread holds only `State`, never the server itself, so releasing the server at the
/// end of a test runs `deinit`, which stops the accept loop and closes the listener (before, the
/// thread kept the server alive and every test leaked a listener polling every 50 ms).
final class EchoServer: Sendable {
    private final class State: Sendable {
        let listener: TLSListener
        let failures = Mutex<[TransportError]>([])
        let peers = Mutex<[PeerIdentity]>([])
        let stopped = Mutex(false)
        let closed = Mutex(false)
        init(_ listener: TLSListener) { self.listener = listener }
    }

    private let state: State

    init(_ configuration: TLSConfiguration, handshakeTimeout: Duration = .seconds(5)) throws {
        let state = State(try TLSListener(endpoint: Endpoint(host: "127.0.0.1", port: 0), context: TLSContext(configuration)))
        self.state = state
        try DedicatedThread.start(name: "echo-accept") {
            defer {
                state.listener.close()
                state.closed.withLock { $0 = true }
            }
            while !state.stopped.withLock({ $0 }) {
                guard let connection = try? state.listener.accept(timeout: .milliseconds(50)) else { continue }
                try? DedicatedThread.start(name: "echo-conn") {
                    defer { connection.close() }
                    do {
                        try connection.handshake(timeout: handshakeTimeout)
                        if let peer = connection.peer { state.peers.withLock { $0.append(peer) } }
                        while true {
                            let bytes = try connection.read(maxBytes: 4096, timeout: .seconds(5))
                            if bytes.isEmpty { return }
                            try connection.write(bytes, timeout: .seconds(5))
                        }
                    } catch let error as TransportError {
                        state.failures.withLock { $0.append(error) }
                    } catch {}
                }
            }
        }
    }

    var endpoint: Endpoint { state.listener.localEndpoint }
    var recordedFailures: [TransportError] { state.failures.withLock { $0 } }
    var recordedPeers: [PeerIdentity] { state.peers.withLock { $0 } }
    /// True once the accept thread has closed the listener.
    var isClosed: Bool { state.closed.withLock { $0 } }

    /// Waits for the server thread to record a failure. Generous: it bounds a hang, not speed.
    func waitForFailure(timeout: Duration = .seconds(30)) -> TransportError? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let first = recordedFailures.first { return first }
            ChildProcess.sleep(.milliseconds(10))
        }
        return nil
    }

    /// Stops accepting and waits (one accept poll, 50 ms, normally) until the listener is closed.
    func stop() {
        state.stopped.withLock { $0 = true }
        let deadline = ContinuousClock.now + .seconds(5)
        while !isClosed, ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(5)) }
    }

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
