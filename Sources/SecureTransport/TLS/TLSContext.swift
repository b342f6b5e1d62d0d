import HostSystem
internal import COpenSSL
internal import Glibc

/// Owns one `SSL_CTX` built from a `TLSConfiguration`: TLS 1.3 only, mutual authentication,
/// trust in the cluster CA alone (the system store is never loaded).
///
/// `@unchecked Sendable`: after `init` the context is only read, and OpenSSL allows one
/// `SSL_CTX` to create `SSL` objects on many threads at once.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer
    public let configuration: TLSConfiguration
    /// "TLS 1.3 only", or the HTTPS listener's "TLS 1.2 (ECDHE, AEAD) or 1.3" (error messages).
    let versions: String
    let profile: Profile
    /// The CRL this context checks peers against (nil when there is none), and its file's stamp
    /// when it was read (taken first: a CRL replaced while it is read shows as changed).
    /// A var only so that `deinit` runs if `init` throws before the end; set once, in `init`.
    private var revocationList: RevocationList? = nil
    private let revocationStamp: FileStamp?

    public convenience init(_ configuration: TLSConfiguration) throws(TransportError) {
        try self.init(configuration, profile: .meridian)
    }

    /// `profile` is `.meridian` everywhere but in tests that break the TLS profile on purpose
    /// (see `TLSContext+Testing.swift`).
    init(_ configuration: TLSConfiguration, profile: Profile) throws(TransportError) {
        self.configuration = configuration
        versions = profile.https ? "TLS 1.2 (ECDHE with AEAD ciphers) or 1.3" : profile.tls12Only ? "TLS 1.2 only" : "TLS 1.3 only"
        self.profile = profile
        revocationStamp = configuration.crlPath.flatMap(FileStamp.init(path:))
        let files = [("CA certificate", configuration.caPath)]
            + (profile.presentsCertificate ? [("certificate", configuration.certificatePath), ("private key", configuration.keyPath)] : [])
        for (what, path) in files {
            guard access(path, R_OK) == 0 else {
                throw TransportError(.config, "cannot read \(what) \(path): \(Errno.current)")
            }
        }
        // Any process that speaks TLS must survive a peer that hangs up mid-write.
        ProcessSignals.ignoreSIGPIPE()
        OpenSSLThreadState.registered
        let server = configuration.role == .agent
        ERR_clear_error()
        guard let context = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw OpenSSLError.failure(.tls, "cannot create TLS context")
        }
        pointer = context
        guard meridian_ctx_set_tls13_only(context) == 1 else { throw OpenSSLError.failure(.tls, "cannot require TLS 1.3") }
        meridian_ctx_set_modes(context)
        // No session tickets: every connection authenticates afresh, and the agent keeps no
        // resumption state per client.
        SSL_CTX_set_num_tickets(context, 0)
        try profile.apply(to: context)
        guard SSL_CTX_load_verify_locations(context, configuration.caPath, nil) == 1 else {
            throw OpenSSLError.failure(.config, "cannot load CA certificate \(configuration.caPath)")
        }
        if profile.presentsCertificate {
            try Self.loadIdentity(context, configuration)
        }
        guard server == configuration.peer.acceptsClients else {
            throw TransportError(.config, "a context presenting the \(configuration.role.rawValue) certificate cannot accept \(configuration.peer.roles.map(\.rawValue).joined(separator: " or ")) peers: a server presents an agent certificate and accepts coordinators or operators, a client accepts agents")
        }
        switch configuration.peer {
        case _ where !profile.verifiesPeer:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        case .coordinator:
            // The agent demands a client certificate with the coordinator role; OpenSSL's
            // default purpose check for a server also requires EKU clientAuth.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, meridian_verify_coordinator_peer)
        case .operators:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, meridian_verify_operator_peer)
        case .agent:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, meridian_verify_agent_peer)
        case .webServer:
            // OpenSSL's own chain, purpose (serverAuth) and address checks, no role callback.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        // The cluster CA signs leaves directly; a web server's chain may hold intermediates.
        SSL_CTX_set_verify_depth(context, configuration.peer == .webServer ? 5 : 2)
        if let crlPath = configuration.crlPath, AtomicFile.exists(crlPath) {
            // The store belongs to the context; it takes its own reference to the CRL.
            let crl = try PKI.readRevocationList(crlPath)
            guard let store = SSL_CTX_get_cert_store(context), X509_STORE_add_crl(store, crl.pointer) == 1,
                  X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1 else {
                throw OpenSSLError.failure(.config, "cannot use revocation list \(crlPath)")
            }
            revocationList = crl
        }
    }

    /// True when the CRL file is not the one this context read (replaced, changed, created or
    /// removed): one `stat`, cheap enough for every accepted connection.
    public var revocationListChanged: Bool {
        guard let path = configuration.crlPath else { return false }
        return FileStamp(path: path) != revocationStamp
    }

    /// A context like this one that reads the CRL file again (`meridian ca revoke` while a
    /// listener runs). Throws, naming the file, when the new CRL cannot be used.
    public func reloaded() throws(TransportError) -> TLSContext {
        try TLSContext(configuration, profile: profile)
    }

    /// Whether this context's CRL lists the certificate serial `serialHex` (as
    /// `CertificateSummary.serialHex` prints it): for cutting sessions opened before a revocation.
    public func revokes(serialHex: String) -> Bool {
        guard let revocationList else { return false }
        var number: OpaquePointer? = nil
        guard BN_hex2bn(&number, serialHex) > 0, let number else { return false }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else { return false }
        defer { ASN1_INTEGER_free(serial) }
        var entry: OpaquePointer? = nil
        return X509_CRL_get0_by_serial(revocationList.pointer, &entry, serial) == 1
    }

    deinit { SSL_CTX_free(pointer) }

    private static func loadIdentity(_ context: OpaquePointer, _ configuration: TLSConfiguration) throws(TransportError) {
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificatePath) == 1 else {
            throw OpenSSLError.failure(.config, "cannot load certificate \(configuration.certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw OpenSSLError.failure(.config, "cannot load private key \(configuration.keyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw OpenSSLError.failure(.config, "private key \(configuration.keyPath) does not match certificate \(configuration.certificatePath)")
        }
    }
}

/// What identifies a file's content without reading it: device, inode, size, modification time.
/// nil when the file does not exist.
struct FileStamp: Equatable {
    var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev); inode = UInt64(info.st_ino); size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec; nanoseconds = info.st_mtim.tv_nsec
    }
}
