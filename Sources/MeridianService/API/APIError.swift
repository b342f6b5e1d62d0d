import HostSystem
import WireProtocol

/// The API's own JSON-RPC error codes beside JSON-RPC's and the transport's (protocol/API.md).
public enum APIError {
    /// Another apply or clock set holds the apply lock (the daemon's job or a CLI run); the
    /// message and `data.holder` name it.
    public static let busy = -32010
    /// The peer's role may not do this (a read-only operator calling `cluster.apply`).
    public static let forbidden = -32011
    /// The service cannot answer now (no survey yet, no history database) or the action was
    /// refused by the cluster (e.g. `clock.set` without `manual_time`).
    public static let unavailable = -32012

    /// The same words `meridian apply` prints when the lock is held (`ApplyLock.busyMessage`).
    static func busy(_ holder: ApplyLock.Holder?) -> RPCError {
        RPCError(code: busy, message: ApplyLock.busyMessage(holder), data: .object(["holder": holder?.json ?? .null]))
    }

    static func forbidden(_ method: String, peer: APIPeer) -> RPCError {
        RPCError(code: forbidden, message: "forbidden: \(method) changes the cluster and \(peer) has the \(peer.role) role; use an operator certificate issued without --read-only",
                 data: .object(["role": .string(peer.role), "method": .string(method)]))
    }

    static func unavailable(_ why: String) -> RPCError { RPCError(code: unavailable, message: why) }
}

