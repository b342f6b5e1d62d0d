import SecureTransport

/// The coordinator's side of the layout written by `meridian ca init` (see certs/README.md).
public struct CertificateDirectory: Sendable {
    public var path: String
    public init(path: String) { self.path = path }

    public var caCertificate: String { path + "/ca.pem" }
    public var coordinatorCertificate: String { path + "/coordinator.pem" }
    public var coordinatorKey: String { path + "/coordinator.key" }

    public func coordinatorContext() throws -> TLSContext {
        try TLSContext(TLSConfiguration(
            caPath: caCertificate, certificatePath: coordinatorCertificate, keyPath: coordinatorKey, role: .coordinator,
            crlPath: PKI.revocationListPath(in: path)))
    }
}
