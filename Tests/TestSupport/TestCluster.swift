import SecureTransport

/// A cluster CA with a coordinator certificate and agent certificates, in a temporary directory.
public final class TestPKI: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public var path: String { directory.path }

    public init(clusterName: String = "test") throws {
        directory = try TemporaryDirectory("meridian-pki")
        _ = try PKI.initAuthority(in: directory.path, clusterName: clusterName, force: false)
    }

    /// Issues NODE.pem / NODE.key for a node at `address`.
    @discardableResult
    public func issueAgent(_ node: String, address: String = "127.0.0.1", validity: CertificateValidity = .default) throws -> IssuedFiles {
        try PKI.issueAgent(node: node, address: address, in: path, force: true, validity: validity)
    }

    public var ca: String { path + "/ca.pem" }

    public func agentTLS(_ node: String) -> TLSConfiguration {
        TLSConfiguration(caPath: ca, certificatePath: "\(path)/\(node).pem", keyPath: "\(path)/\(node).key", role: .agent)
    }

    public func coordinatorTLS() -> TLSConfiguration {
        TLSConfiguration(caPath: ca, certificatePath: path + "/coordinator.pem", keyPath: path + "/coordinator.key", role: .coordinator)
    }

    /// The JSON config `meridian-agent --config` reads.
    public func agentConfigJSON(_ node: String, listen: String, extra: String = "") -> String {
        """
        {"node": "\(node)", "listen": "\(listen)", "ca": "\(ca)", "cert": "\(path)/\(node).pem", "key": "\(path)/\(node).key"\(extra)}
        """
    }
}
