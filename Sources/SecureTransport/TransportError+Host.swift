import HostSystem

extension TransportError {
    /// A host failure (a key or certificate file, a directory) seen by the transport layer:
    /// the same detail, under the transport's kinds.
    init(_ error: HostError) {
        switch error.kind {
        case .limit: self.init(.limit, error.detail)
        case .config: self.init(.config, error.detail)
        case .timedOut: self.init(.timedOut, error.detail)
        case .io: self.init(.io, error.detail)
        }
    }
}

/// The files the PKI reads and writes, through HostSystem's atomic file code, with its
/// errors carried as `TransportError` so the PKI keeps one error type.
enum PKIFiles {
    static func read(_ path: String, limit: Int = 16 << 20) throws(TransportError) -> [UInt8]? {
        do { return try AtomicFile.read(path, limit: limit) } catch { throw TransportError(error) }
    }

    static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(TransportError) {
        do { try AtomicFile.write(bytes, to: path, mode: mode) } catch { throw TransportError(error) }
    }

    static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws(TransportError) {
        do { try AtomicFile.makeDirectories(path, mode: mode) } catch { throw TransportError(error) }
    }
}
