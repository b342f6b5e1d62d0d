import SecureTransport

/// The server's connection accounting (guarded by `RPCServer`'s mutex): connections still in
/// their TLS handshake, in all and per source address, and authenticated ones.
struct Admission: Sendable {
    struct Pending {
        var source: String
        /// nil for a local connection, which has no handshake to cut off.
        var interrupter: ConnectionInterrupter?
        var evicted = false
    }

    /// What a connection gets once its handshake is over.
    enum Slot { case session, busy, closed }

    let maxHandshakes: Int
    let maxPerSource: Int
    let maxAuthenticated: Int
    var stopping = false
    /// The accept loop runs (set by `serve`, cleared once it has closed the listening socket).
    var serving = false
    var authenticated = 0
    private var pending: [UInt64: Pending] = [:]
    private var evictedCount = 0
    private var nextID: UInt64 = 0

    init(maxHandshakes: Int, maxPerSource: Int, maxAuthenticated: Int) {
        self.maxHandshakes = maxHandshakes
        self.maxPerSource = maxPerSource
        self.maxAuthenticated = maxAuthenticated
    }

    var handshakingCount: Int { pending.count }

    /// nil to admit a new connection from `source`, else why not.
    ///
    /// A full pool (per source, then in all) makes room by cutting off its oldest handshake
    /// rather than refusing the newcomer: a real client handshakes in milliseconds, so the oldest
    /// is an idler, and a coordinator that shares its address with a flood still gets in. Evicted
    /// connections count until their thread lets go, so the pool never holds more than twice its
    /// size; when that many are already on their way out, the newcomer is refused.
    mutating func admit(source: String) -> String? {
        let live = pending.filter { !$0.value.evicted }
        let fromSource = live.filter { $0.value.source == source }
        if fromSource.count >= maxPerSource {
            let leaving = pending.count(where: { $0.value.evicted && $0.value.source == source })
            guard leaving < maxPerSource, let oldest = fromSource.keys.min() else {
                return "\(maxPerSource) connections from \(source) still handshaking (max_handshakes_per_source)"
            }
            evict(oldest)
        } else if live.count >= maxHandshakes {
            guard evictedCount < maxHandshakes, let oldest = live.keys.min() else {
                return "\(maxHandshakes) connections still handshaking (max_handshakes)"
            }
            evict(oldest)
        }
        return nil
    }

    private mutating func evict(_ id: UInt64) {
        guard pending[id]?.evicted == false else { return }
        pending[id]?.evicted = true
        evictedCount += 1
        pending[id]?.interrupter?.interrupt()
    }

    /// Records an admitted connection; ids grow, so the smallest is the oldest.
    mutating func register(source: String, interrupter: ConnectionInterrupter?) -> UInt64 {
        nextID += 1
        pending[nextID] = Pending(source: source, interrupter: interrupter)
        return nextID
    }

    func wasEvicted(_ id: UInt64) -> Bool { pending[id]?.evicted ?? false }

    /// The handshake of `id` is over: it leaves the pool; an authenticated peer gets a session
    /// if one is free, else the "busy" answer.
    mutating func finishHandshake(_ id: UInt64, authenticated ok: Bool) -> Slot {
        if let entry = pending.removeValue(forKey: id), entry.evicted { evictedCount -= 1 }
        guard ok else { return .closed }
        guard authenticated < maxAuthenticated else { return .busy }
        authenticated += 1
        return .session
    }
}
