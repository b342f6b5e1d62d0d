/// The cluster CA's certificate and key, loaded for signing. Both are owners; a failed check
/// simply drops them (each frees its own object once).
final class Authority {
    let certificate: X509Certificate
    let key: PrivateKey

    init(in directory: String) throws(TransportError) {
        let caPath = directory + "/ca.pem", caKeyPath = directory + "/ca.key"
        guard let caPEM = try PKIFiles.read(caPath), let caKeyPEM = try PKIFiles.read(caKeyPath) else {
            throw TransportError(.pki, "no cluster CA in \(directory) (ca.pem and ca.key); run `meridian ca init --dir \(directory)` first")
        }
        certificate = try X509Certificate(pem: caPEM, path: caPath)
        key = try PrivateKey(pem: caKeyPEM, path: caKeyPath)
        guard certificate.matches(key) else {
            throw TransportError(.pki, "\(caKeyPath) does not belong to \(caPath)")
        }
    }
}
