/// The bounds of one `RPCServer` (the agent's come from its config file, the API's from
/// serve.json); every one is enforced per server, never per process.
public struct RPCServerLimits: Sendable, Equatable {
    /// Authenticated connections served at once; one more completes its handshake, is answered
    /// -32005 "busy" and closed.
    public var maxConnections: Int = 256
    /// Connections accepted but not yet authenticated (TLS handshake in progress), counted apart
    /// from `maxConnections`; when full, the oldest of them is cut off to make room.
    public var maxHandshakes: Int = 64
    /// Unauthenticated connections from one source address.
    public var maxHandshakesPerSource: Int = 8
    /// Bytes held for frames in flight across all connections, parse cost included (`FrameBudget`).
    public var maxBufferedBytes: Int = 16 << 20
    /// A connection that sends no complete frame for this long is dropped.
    public var idleTimeoutSeconds: Double = 10
    /// The idle timeout of a session the handler holds open (`RPCSession.holdOpen()`, e.g. an
    /// event subscriber that only listens): a silent peer is still dropped, just much later, and
    /// a dead one sooner when a push to it fails.
    public var heldIdleTimeoutSeconds: Double = 3600
    public var handshakeTimeoutSeconds: Double = 5
    public var maxFrameBytes: Int = 1 << 20
    /// Frames waiting for a peer once notifications are pushed to it (responses queue behind
    /// them, in order). A peer that lets more pile up is not reading: it is dropped.
    public var maxQueuedFrames: Int = 1024
    public var maxQueuedBytes: Int = 8 << 20
    /// How long one outgoing frame may take to go out before the peer is dropped as not reading.
    public var writeTimeoutSeconds: Double = 10

    public init() {}

    public init(maxConnections: Int, maxHandshakes: Int, maxHandshakesPerSource: Int, maxBufferedBytes: Int,
                idleTimeoutSeconds: Double, handshakeTimeoutSeconds: Double, maxFrameBytes: Int) {
        self.maxConnections = maxConnections
        self.maxHandshakes = maxHandshakes
        self.maxHandshakesPerSource = maxHandshakesPerSource
        self.maxBufferedBytes = maxBufferedBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.handshakeTimeoutSeconds = handshakeTimeoutSeconds
        self.maxFrameBytes = maxFrameBytes
        writeTimeoutSeconds = idleTimeoutSeconds
    }
}
