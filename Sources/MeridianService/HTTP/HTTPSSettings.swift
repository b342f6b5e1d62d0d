import HostSystem
import SecureTransport

/// What the HTTPS listener presents and whom it admits (serve.json's `http_tls_cert`,
/// `http_tls_key`, `http_client_auth`; see `HTTPMonitor`).
public struct HTTPSSettings: Sendable {
    public var certificatePath: String
    public var keyPath: String
    /// True when the certificate came from `http_tls_cert`/`http_tls_key` (error messages name
    /// the fields), false for the master's agent certificate.
    public var configured: Bool
    /// The cluster CA (client certificates are checked against it) and its CRL.
    public var caPath: String
    public var crlPath: String?
    public var clientAuth: HTTPClientAuth
    public var limits = TLSRelay.Limits()

    public init(certificatePath: String, keyPath: String, configured: Bool, caPath: String, crlPath: String?, clientAuth: HTTPClientAuth) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.configured = configured
        self.caPath = caPath
        self.crlPath = crlPath
        self.clientAuth = clientAuth
    }

    /// From serve.json and the cluster's certificate directory: `http_tls_cert`/`http_tls_key`
    /// when set, else the master's agent certificate, found as the API finds it
    /// (`APIServer.serverCertificate`: `DIR/MASTER.pem`, else /etc/meridian/agent.pem).
    public static func make(configuration: ServeConfiguration, certificateDirectory: String, master: String) -> HTTPSSettings {
        let (certificate, key): (String, String)
        if let configuredCertificate = configuration.httpTLSCertificate, let configuredKey = configuration.httpTLSKey {
            (certificate, key) = (configuredCertificate, configuredKey)
        } else {
            (certificate, key) = APIServer.serverCertificate(certificateDirectory: certificateDirectory, master: master)
        }
        return HTTPSSettings(certificatePath: certificate, keyPath: key, configured: configuration.httpTLSCertificate != nil,
                             caPath: certificateDirectory + "/ca.pem", crlPath: PKI.revocationListPath(in: certificateDirectory),
                             clientAuth: configuration.httpClientAuth)
    }

    func context() throws(ServiceError) -> TLSContext {
        do {
            return try TLSContext.https(certificatePath: certificatePath, keyPath: keyPath, caPath: caPath, crlPath: crlPath,
                                        operatorClients: clientAuth == .operator)
        } catch {
            let source = configured ? "fields \"http_tls_cert\"/\"http_tls_key\" (\(certificatePath), \(keyPath))"
                : "the master's agent certificate \(certificatePath) (set \"http_tls_cert\" and \"http_tls_key\" to use another)"
            throw ServiceError(.invalidConfiguration, "http_tls: cannot use \(source): \(error)")
        }
    }
}
