internal import COpenSSL

/// Owns one `SSL_SESSION*` taken from a finished connection (tests: offering resumption).
final class TLSSession {
    /// Borrowed by OpenSSL calls while this object lives; freed only by `deinit`.
    let pointer: OpaquePointer

    init(withOwnedReference pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_SESSION_free(pointer) }

    /// True when the server sent a NewSessionTicket for this session.
    var hasTicket: Bool { SSL_SESSION_has_ticket(pointer) == 1 }
}
