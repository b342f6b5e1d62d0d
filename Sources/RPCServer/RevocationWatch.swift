import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

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
    private struct State {
        var context: TLSContext
        var running = false
        /// The last unusable CRL's error (logged once per change), and when it was seen: until
        /// `period` has passed, no thread reads the file again.
        var failure: String?
        var failedAt: ContinuousClock.Instant?
        /// Told of each new context, whichever thread read it (`start`).
        var changed: (@Sendable (TLSContext) -> Void)?
    }
    private let state: Mutex<State>
    /// Held while the file is read again: one reader at a time, so an older CRL read slowly
    /// never replaces a newer one.
    private let reading = Mutex(())
    private let name: String
    private let log: @Sendable (String) -> Void

    /// `name` starts each log line ("API", "agent").
    public init(context: TLSContext, name: String, log: @escaping @Sendable (String) -> Void) {
        state = Mutex(State(context: context))
        self.name = name
        self.log = log
    }

    /// The context with the newest usable CRL seen.
    public var current: TLSContext { state.withLock { $0.context } }

    /// Reads the CRL again if it changed, then tells whether it lists `peer`'s certificate
    /// (a local-socket peer has none: never).
    public func refuses(_ peer: RPCPeer) -> Bool {
        guard case .certificate(let summary) = peer else { return false }
        return check().revokes(serialHex: summary.serialHex)
    }

    /// The answer to `call` when its peer's certificate is revoked (nil otherwise): -32011
    /// "forbidden", and the connection closed once that answer is sent (closing first would
    /// discard it). Both servers put this before their own handler.
    public func refusal(_ call: RPCCall) -> Result<JSONValue, RPCError>? {
        guard refuses(call.session.peer) else { return nil }
        log("\(name): closing the connection of \(call.session.peer), whose certificate is now revoked")
        call.session.whenAnswered { [weak session = call.session] in session?.close() }
        return .failure(RPCError(code: RPCServer.forbidden, message: "forbidden: the certificate of \(call.session.peer.name) is revoked"))
    }

    /// Reads the CRL again if its file changed, and returns the newest usable context. A new
    /// one goes to the `changed` handler of `start` (if started), from the thread that read it.
    /// A CRL that cannot be used is logged once per change and the previous one kept; the file
    /// is then read again at most once a period.
    @discardableResult
    public func check() -> TLSContext {
        reading.withLock { _ in
            let (context, failedAt) = state.withLock { ($0.context, $0.failedAt) }
            guard context.revocationListChanged else { return context }
            if let failedAt, ContinuousClock.now - failedAt < Self.period { return context }
            do {
                let fresh = try context.reloaded()
                let changed = state.withLock { value in
                    value.context = fresh; value.failure = nil; value.failedAt = nil
                    return value.changed
                }
                log("\(name): revocation list \(context.configuration.crlPath ?? "") changed; read it again")
                changed?(fresh)
                return fresh
            } catch {
                let message = "\(error)"
                let fresh = state.withLock { value -> Bool in
                    defer { value.failure = message; value.failedAt = .now }
                    return value.failure != message
                }
                if fresh { log("\(name): revocation list changed but cannot be used, the previous one stays: \(message)") }
                return context
            }
        }
    }

    /// Checks once a period on a thread of its own until `stop()`; `changed` gets each new
    /// context, found by this thread or by a request's `refuses`.
    public func start(_ changed: @escaping @Sendable (TLSContext) -> Void) {
        guard state.withLock({ value -> Bool in
            defer { value.running = true; value.changed = changed }
            return !value.running
        }) else { return }
        do {
            try DedicatedThread.start(name: "\(name.lowercased())-crl") { [self] in
                while state.withLock({ $0.running }) {
                    check()
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

    public func stop() { state.withLock { $0.running = false; $0.changed = nil } }
}
