import ClockSync

/// A webhook target from serve.json's `webhooks`: `http://HOST[:PORT][/PATH]` or `https://…`
/// with a numeric host (IPv4, or IPv6 in brackets). Names are refused: the service never does a
/// DNS lookup (an offline cluster has none, and a lookup could stall a delivery past its
/// deadline). Over https the receiver's certificate must name that address (an IP entry in its
/// subjectAltName) and be vouched for by serve.json's `webhook_ca`.
public struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    /// True for `https://`.
    public var usesTLS: Bool
    /// The request target: path and query, "/" when the URL has none.
    public var target: String
    public let description: String

    public init(parsing text: String) throws(ServiceError) {
        func refuse(_ why: String) -> ServiceError { ServiceError(.invalidConfiguration, "\"\(text)\": \(why)") }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) else {
            throw refuse("must be plain ASCII without spaces or control characters (percent-encode the rest)")
        }
        let scheme = text.lowercased().hasPrefix("https://") ? "https://" : "http://"
        guard text.lowercased().hasPrefix(scheme) else { throw refuse("must start with http:// or https://") }
        usesTLS = scheme == "https://"
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = String(rest.dropFirst(authority.count))
        if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !authority.contains("@") else { throw refuse("user names or passwords in the URL are not supported") }
        guard !authority.isEmpty else { throw refuse("has no host") }
        var hostText: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("missing ] after the IPv6 address") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw refuse("expected :PORT after ]") }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostText = parts[0]
            if parts.count == 2 { portText = parts[1] }
        }
        guard let address = IPAddress(String(hostText)), authority.hasPrefix("[") != address.isIPv4 else {
            throw refuse("the host must be a numeric address (IPv4, or IPv6 in brackets): names are never looked up")
        }
        var port: UInt16 = usesTLS ? 443 : 80
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw refuse("the port must be 1...65535") }
            port = value
        }
        host = address.description
        self.port = port
        target = path
        description = text
    }

    /// The Host header's value.
    public var hostHeader: String { (host.contains(":") ? "[\(host)]" : host) + (port == (usesTLS ? 443 : 80) ? "" : ":\(port)") }
}
