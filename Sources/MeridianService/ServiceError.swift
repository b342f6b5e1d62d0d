/// An error of `meridian serve`: what went wrong, naming the file, field, node or target.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A bad value in serve.json or in a request: the message names the field.
        case invalidConfiguration
        case io
        /// The history database could not be opened, read or written.
        case history
        /// An alert target failed (webhook, exec hook).
        case alert
        /// Another apply holds the lock (-32010 on the API).
        case busy
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) { self.kind = kind; self.detail = detail }

    public var description: String { detail }
}
