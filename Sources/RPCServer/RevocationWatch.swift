import HostSystem
import SecureTransport
import Synchronization

/// Revocation while a server runs: `meridian ca revoke NAME` rewrites the CRL, and without this
/// a peer's open connection would outlive its certificate. The listener reads the new CRL on the
/// next accept (TLSListener); this watch reads it too, and the server checks each request's peer
/// against it (`refuses`), so a session that completed its handshake before the change cannot
/// send another request.
/// - `meridian serve`'s API (an operator's subscription may stay for days) also runs the watch's
///   thread, once a second (one `stat` when nothing changed), and closes the sessions it lists.
/// - The agent checks at each request only (coordinator sessions are short, and an idle one
///   closes at the idle timeout): no thread of its own.
public final class RevocationWatch: Sendable {
    public static let period: Duration = .seconds(1)
    private let state: Mutex<(context: TLSContext, running: Bool, failure: String?)>
    private let name: String
    private let log: @Sendable (String) -> Void

    /// `name` starts each log line ("API", "agent").
    public init(context: TLSContext, name: String, log: @escaping @Sendable (String) -> Void) {
        state = Mutex((context, false, nil))
        self.name = name
        self.log = log
    }

    /// The context with the newest usable CRL seen.
    public var current: TLSContext { state.withLock { $0.context } }

    /// Reads the CRL again if it changed, then tells whether it lists `peer`'s certificate
    /// (a local-socket peer has none: never).
    public func refuses(_ peer: RPCPeer) -> Bool {
        guard case .certificate(let summary) = peer else { return false }
        check { _ in }
        return current.revokes(serialHex: summary.serialHex)
    }

    /// Reads the CRL again if its file changed; calls `changed` with the new context when it did.
    /// A CRL that cannot be used is logged once per change and the previous one kept.
    public func check(_ changed: (TLSContext) -> Void) {
        let context = current
        guard context.revocationListChanged else { return }
        do {
            let fresh = try context.reloaded()
            state.withLock { $0.context = fresh; $0.failure = nil }
            log("\(name): revocation list \(context.configuration.crlPath ?? "") changed; read it again")
            changed(fresh)
        } catch {
            let message = "\(error)"
            let fresh = state.withLock { value -> Bool in defer { value.failure = message }; return value.failure != message }
            if fresh { log("\(name): revocation list changed but cannot be used, the previous one stays: \(message)") }
        }
    }

    /// Checks once a period on a thread of its own until `stop()`; `changed` gets each new context.
    public func start(_ changed: @escaping @Sendable (TLSContext) -> Void) {
        guard state.withLock({ value -> Bool in defer { value.running = true }; return !value.running }) else { return }
        do {
            try DedicatedThread.start(name: "\(name.lowercased())-crl") { [self] in
                while state.withLock({ $0.running }) {
                    check(changed)
                    var slept = Duration.zero
                    while slept < Self.period, state.withLock({ $0.running }) {
                        ChildProcess.sleep(.milliseconds(100)); slept += .milliseconds(100)
                    }
                }
            }
        } catch {
            log("\(name): cannot watch the revocation list (\(error)); a revoked peer's open connection stays until its next request")
        }
    }

    public func stop() { state.withLock { $0.running = false } }
}
