import JSONCore
import Synchronization

/// One API connection as the router sees it: who the peer is, a way to push notifications to it
/// (`job.progress`, `job.finished`, `event`), and what it has done so far (hello, a subscription).
/// The transport makes one per connection and tells the router when it closes.
public final class APIConnection: Sendable {
    public typealias Push = @Sendable (_ method: String, _ params: JSONValue) -> Bool

    /// What the transport offers beyond pushes; `immediate` when there is no transport (tests).
    public struct Hooks: Sendable {
        /// Runs a body once the answer to the request being handled has been sent, so a job's
        /// first notification follows the answer that named it.
        public var whenAnswered: @Sendable (@escaping @Sendable () -> Void) -> Void
        /// Lets the peer stay silent past the idle timeout (it listens to pushes).
        public var holdOpen: @Sendable () -> Void

        public init(whenAnswered: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void, holdOpen: @escaping @Sendable () -> Void) {
            self.whenAnswered = whenAnswered; self.holdOpen = holdOpen
        }

        public static let immediate = Hooks(whenAnswered: { $0() }, holdOpen: {})
    }

    public let peer: APIPeer
    public let hooks: Hooks
    private let push: Push

    private struct Inner {
        var greeted = false
        var subscription: UInt64?
        var closed = false
    }
    private let inner = Mutex(Inner())

    /// `push` sends a JSON-RPC notification on this connection without blocking (the transport
    /// queues it, bounded) and answers false once the connection is gone.
    public init(peer: APIPeer, hooks: Hooks = .immediate, push: @escaping Push) {
        self.peer = peer
        self.hooks = hooks
        self.push = push
    }

    /// Sends a notification unless the connection closed; false when it was not sent.
    @discardableResult
    public func notify(_ method: String, _ params: JSONValue) -> Bool {
        guard !inner.withLock({ $0.closed }) else { return false }
        return push(method, params)
    }

    var greeted: Bool {
        get { inner.withLock { $0.greeted } }
        set { inner.withLock { $0.greeted = newValue } }
    }

    /// Sets the subscription token unless there is one; returns the one in force.
    func subscribe(_ make: () -> UInt64) -> UInt64 {
        inner.withLock { state in
            if let token = state.subscription { return token }
            let token = make()
            state.subscription = token
            return token
        }
    }

    /// Marks the connection closed (notifications stop) and hands back its subscription, if any.
    func close() -> UInt64? {
        inner.withLock { state in
            state.closed = true
            defer { state.subscription = nil }
            return state.subscription
        }
    }

    func unsubscribe() -> UInt64? {
        inner.withLock { state in
            defer { state.subscription = nil }
            return state.subscription
        }
    }

    public var isClosed: Bool { inner.withLock { $0.closed } }
}
