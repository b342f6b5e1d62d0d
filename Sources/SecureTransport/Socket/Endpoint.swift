import ClockSync

/// A host and TCP port: `"127.0.0.2:7480"`, `"[::1]:7480"`, `"pve1"` (default port).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort: UInt16 = 7480

    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 literal. Port 0 ("any free
    /// port") makes sense only for a listener, hence `allowPortZero`.
    public init(parsing text: String, defaultPort: UInt16 = Endpoint.defaultPort, allowPortZero: Bool = false) throws(TransportError) {
        func invalid(_ why: String) -> TransportError {
            TransportError(.invalidAddress, "invalid address \"\(text)\": \(why)")
        }
        guard !text.isEmpty else { throw invalid("empty") }
        guard !text.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "/" }) else {
            throw invalid("contains a space or slash")
        }
        var host = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("missing ] after IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw invalid("expected :PORT after ]") }
                portText = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("empty host") }
        var port = defaultPort
        if let portText {
            guard let value = UInt16(portText), value > 0 || allowPortZero else { throw invalid("port must be 1-65535") }
            port = value
        }
        self.host = String(host)
        self.port = port
    }

    /// True when the host is an IPv4 or IPv6 literal rather than a name.
    public var isAddressLiteral: Bool { IPAddress(host) != nil }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
