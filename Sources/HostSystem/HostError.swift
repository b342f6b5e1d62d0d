internal import Glibc

/// The one error type of the host module: what failed on this machine (a file, a child
/// process, a thread, a signal), with a detail naming the path or program.
public struct HostError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// A system call failed; the detail names the call's object and errno's text.
        case io
        /// What we were asked to do makes no sense (an empty command, a bad path).
        case config
        /// A size bound was hit (a file or output larger than allowed).
        case limit
        /// A child process or wait ran past its deadline.
        case timedOut
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}

/// errno as a person reads it, in the spirit of swift-system's `Errno`: the one place Meridian
/// turns an error number into text.
public struct Errno: Equatable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno right now.
    public static var current: Errno { Errno(rawValue: errno) }

    public var description: String { String(cString: strerror(rawValue)) }
}
