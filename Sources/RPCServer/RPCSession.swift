import HostSystem
import SecureTransport
import Synchronization
import WireProtocol

/// One authenticated connection, as the handler sees it: who the peer is, a way to push
/// notifications to it from any thread, and a callback when it closes (subscriptions end).
///
/// Until the first push, the connection's own thread writes each response itself. The first
/// push starts a writer thread; from then on responses queue behind notifications in one bounded
/// `Outbox`, so the peer reads everything in the order it was sent. Whole frames are written
/// under `frameLock`, so a response and a notification never interleave on the wire. A peer
/// that stops reading fills the queue (or lets one frame time out): it is dropped, and a pusher
/// never waits for it.
public final class RPCSession: Sendable {
    public let peer: RPCPeer
    /// `host:port` or `local uid N`.
    public let remoteDescription: String
    let stream: any FrameStream
    private let outbox: Outbox
    private let writeTimeout: Duration
    private let frameLock = Mutex(())
    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void

    private struct State {
        var writerStarted = false
        var closed = false
        var closeHandlers: [@Sendable () -> Void] = []
        var afterAnswer: [@Sendable () -> Void] = []
        var heldOpen = false
    }

    init(stream: any FrameStream, peer: RPCPeer, limits: RPCServerLimits, log: @escaping @Sendable (String) -> Void) {
        self.stream = stream
        self.peer = peer
        remoteDescription = stream.remoteDescription
        outbox = Outbox(maxFrames: limits.maxQueuedFrames, maxBytes: limits.maxQueuedBytes)
        writeTimeout = .seconds(limits.writeTimeoutSeconds)
        self.log = log
    }

    /// False once the connection is closing or closed.
    public var isOpen: Bool { !state.withLock { $0.closed } && !outbox.isAborted }

    /// Sends a JSON-RPC notification (no id). Returns at once; false when it was dropped because
    /// the connection is closing, or because the peer stopped reading (then the connection is
    /// closed and the close callbacks run).
    @discardableResult
    public func push(method: String, params: JSONValue? = nil) -> Bool {
        let frame = Frame.encode(RPCCodec.encodeRequest(RPCRequest(id: nil, method: method, params: params)))
        guard startWriter() else { return false }
        return enqueue(frame, what: "notification \(method)")
    }

    /// Runs `body` once the connection has closed (on the connection's thread); at once if it
    /// already has.
    public func onClose(_ body: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.closed { return true }
            state.closeHandlers.append(body)
            return false
        }
        if runNow { body() }
    }

    /// The peer may stay silent for `heldIdleTimeoutSeconds` rather than the idle timeout, from
    /// its next read on: a subscriber listens to pushes and need not send anything.
    public func holdOpen() { state.withLock { $0.heldOpen = true } }

    var isHeldOpen: Bool { state.withLock { $0.heldOpen } }

    /// Runs `body` on the connection's thread right after the answer to the request being handled
    /// has been sent (or queued): a job started there pushes its first notification after the
    /// response that named it (`cluster.apply` → `{"job": ID}`, then `job.progress`).
    public func whenAnswered(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.afterAnswer.append(body) }
    }

    /// The connection's thread, once the current request is answered.
    func runAfterAnswer() {
        let hooks = state.withLock { state in
            let hooks = state.afterAnswer
            state.afterAnswer = []
            return hooks
        }
        for hook in hooks { hook() }
    }

    /// Drops the connection (from any thread): queued frames are discarded, the connection's
    /// thread wakes up and ends the session.
    public func close() {
        outbox.abort()
        stream.interrupt()
    }

    /// The connection's thread: one response (or error) frame payload. False when the
    /// connection must close.
    func send(_ payload: [UInt8]) -> Bool {
        let frame = Frame.encode(payload)
        if state.withLock({ $0.writerStarted }) { return enqueue(frame, what: "a response") }
        do {
            try frameLock.withLock { _ throws(TransportError) in try stream.write(frame, timeout: writeTimeout) }
            return true
        } catch {
            log("cannot answer \(remoteDescription): \(error)")
            return false
        }
    }

    private func enqueue(_ frame: [UInt8], what: String) -> Bool {
        switch outbox.enqueue(frame) {
        case nil:
            return true
        case .closed?:
            return false
        case .full?:
            log("dropped \(remoteDescription): it is not reading (\(outbox.maxFrames) frames or \(outbox.maxBytes) bytes queued for it); \(what) not sent")
            close()
            return false
        }
    }

    /// Starts the writer thread on the first push; false if the connection is closed.
    private func startWriter() -> Bool {
        let start = state.withLock { state -> Bool? in
            if state.closed { return nil }
            if state.writerStarted { return false }
            state.writerStarted = true
            return true
        }
        guard let start else { return false }
        guard start else { return true }
        do {
            try DedicatedThread.start(name: "rpc-writer") { [self] in writeQueued() }
        } catch {
            log("cannot push to \(remoteDescription): \(error); closing it")
            outbox.writerFinished()
            close()
            return false
        }
        return true
    }

    private func writeQueued() {
        defer { outbox.writerFinished() }
        while let frame = outbox.take() {
            do {
                try frameLock.withLock { _ throws(TransportError) in try stream.write(frame, timeout: writeTimeout) }
            } catch {
                log("dropped \(remoteDescription): \(error)")
                close()
                return
            }
        }
    }

    /// The connection's thread, when the session is over: lets the writer send what is queued
    /// (briefly), stops it, then runs the close callbacks. The caller closes the stream after.
    func end() {
        let (writer, handlers) = state.withLock { state in
            state.closed = true
            let handlers = state.closeHandlers
            state.closeHandlers = []
            return (state.writerStarted, handlers)
        }
        outbox.finish()
        if writer && !outbox.waitForWriter(timeout: .seconds(2)) {
            close()
            // The write under way fails at once on the shut-down socket; bounded all the same.
            _ = outbox.waitForWriter(timeout: writeTimeout)
        }
        for handler in handlers { handler() }
    }
}
