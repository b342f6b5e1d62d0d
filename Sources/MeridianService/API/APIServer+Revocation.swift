import HostSystem
import SecureTransport
import Synchronization

/// Revocation while the API runs: `meridian ca revoke NAME` rewrites the CRL, and without this
/// an operator's open connection (a subscriber may stay for days) would outlive its certificate.
/// The listener reads the new CRL on the next accept (TLSListener); this watch reads it too, once
/// a second (one `stat` when nothing changed), and the server then closes the sessions of
/// certificates it lists. Requests are checked against the latest CRL as well, so a session
/// that completed its handshake just before the change cannot send another one.
final class RevocationWatch: Sendable {
    static let period: Duration = .seconds(1)
    private let state: Mutex<(context: TLSContext, running: Bool, failure: String?)>
    private let log: @Sendable (String) -> Void

    init(context: TLSContext, log: @escaping @Sendable (String) -> Void) {
        state = Mutex((context, false, nil))
        self.log = log
    }

    /// The context with the newest usable CRL seen.
    var current: TLSContext { state.withLock { $0.context } }

    /// Reads the CRL again if its file changed; calls `changed` with the new context when it did.
    /// A CRL that cannot be used is logged once per change and the previous one kept.
    func check(_ changed: (TLSContext) -> Void) {
        let context = current
        guard context.revocationListChanged else { return }
        do {
            let fresh = try context.reloaded()
            state.withLock { $0.context = fresh; $0.failure = nil }
            log("API: revocation list \(context.configuration.crlPath ?? "") changed; read it again")
            changed(fresh)
        } catch {
            let message = "\(error)"
            let fresh = state.withLock { value -> Bool in defer { value.failure = message }; return value.failure != message }
            if fresh { log("API: revocation list changed but cannot be used, the previous one stays: \(message)") }
        }
    }

    func start(_ changed: @escaping @Sendable (TLSContext) -> Void) {
        guard state.withLock({ value -> Bool in defer { value.running = true }; return !value.running }) else { return }
        do {
            try DedicatedThread.start(name: "api-crl") { [self] in
                while state.withLock({ $0.running }) {
                    check(changed)
                    var slept = Duration.zero
                    while slept < Self.period, state.withLock({ $0.running }) {
                        ChildProcess.sleep(.milliseconds(100)); slept += .milliseconds(100)
                    }
                }
            }
        } catch {
            log("API: cannot watch the revocation list (\(error)); a revoked operator's open connection stays until it closes")
        }
    }

    func stop() { state.withLock { $0.running = false } }
}
