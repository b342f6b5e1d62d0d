import HostSystem
import JSONCore

/// `meridian serve --config FILE` (default /etc/meridian/serve.json; schema in
/// protocol/schemas/serve-config.schema.json). Every field is optional; unknown fields and bad
/// values are refused with the field named, so a typo never silently falls back to a default.
public struct ServeConfiguration: Sendable, Equatable {
    public static let defaultPath = "/etc/meridian/serve.json"
    public static let defaultAPIPort = 7481

    /// Seconds between two surveys (jittered by up to a tenth, never two at once).
    public var intervalSeconds: Double = 30
    /// Seconds one node may take in a survey before it is counted unreachable.
    public var surveyTimeoutSeconds: Double = 10
    /// `"HOST:PORT"` of the TLS API; nil: the master's address in the cluster file, port 7481.
    public var apiListen: String?
    /// The root-only local API socket (no TLS; the file mode and the peer's uid decide).
    public var apiSocket: String = "/run/meridian/api.sock"
    /// `"HOST:PORT"` of the HTTP listener (metrics, status page).
    public var httpListen: String = "127.0.0.1:9746"
    /// TLS on the HTTP listener: `auto` (the default) means TLS exactly when `http_listen` is not
    /// a loopback address.
    public var httpTLS: HTTPTLSMode = .auto
    /// The certificate and key the HTTPS listener presents (both or neither); nil: the master's
    /// agent certificate, as the API presents.
    public var httpTLSCertificate: String?
    public var httpTLSKey: String?
    /// Whom the HTTPS listener lets in: anyone (`none`) or operator certificates of the cluster CA.
    public var httpClientAuth: HTTPClientAuth = .none
    /// Where the history database and the service's journal live.
    public var stateDirectory: String = "/var/lib/meridian"
    /// Alert targets: each URL gets an HTTP POST of every event (protocol/schemas/event.schema.json).
    /// `http://` or `https://` with a numeric host only (`WebhookURL`): no name lookups.
    public var webhooks: [String] = []
    /// The CA certificates (PEM) an https:// webhook's certificate must chain to.
    public var webhookCA: String = ServeConfiguration.systemCABundle
    /// Debian's bundle of public CAs (package ca-certificates); an internal receiver's CA is
    /// named with `webhook_ca` instead.
    public static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"
    /// Alert hooks: each argv runs once per event with the event as JSON on stdin.
    public var exec: [[String]] = []
    /// Seconds an exec hook may run before it is killed.
    public var execTimeoutSeconds: Double = 10
    /// Hours between two reminders while a node or the cluster is not ok.
    public var repeatHours: Double = 4
    /// Days of history kept; older rows are dropped.
    public var retentionDays: Double = 90
    /// Hours raw samples are kept before they are rolled up into 5-minute min/mean/max.
    public var rawHours: Double = 48
    /// Where `TextfileWriter` writes meridian.prom after each survey (node_exporter's textfile
    /// collector directory); `--textfile DIR` sets it too. nil: no textfile.
    public var textfileDirectory: String?

    public init() {}

    /// Whether the HTTP listener speaks TLS with these settings.
    public var httpUsesTLS: Bool {
        switch httpTLS {
        case .on: true
        case .off: false
        case .auto: !HTTPMonitor.isLoopback(HTTPMonitor.split(httpListen)?.0 ?? "")
        }
    }
    /// Where Hummingbird serves plain HTTP when the TLS relay fronts it (`TLSRelay`).
    public var httpSocketPath: String { stateDirectory + "/http.sock" }

    public var historyPath: String { stateDirectory + "/history.db" }
    public var jobJournalPath: String { stateDirectory + "/jobs.jsonl" }

    /// Reads and validates the file; a missing file at the default path is the defaults.
    public static func load(path: String?) throws(ServiceError) -> ServeConfiguration {
        let file = path ?? defaultPath
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(file, limit: 1 << 20) } catch {
            throw ServiceError(.io, "cannot read \(file): \(error)")
        }
        guard let bytes else {
            if path == nil { return ServeConfiguration() }
            throw ServiceError(.invalidConfiguration, "\(file) does not exist")
        }
        return try parse(bytes, source: file)
    }

    public static func parse(_ bytes: [UInt8], source: String) throws(ServiceError) -> ServeConfiguration {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw ServiceError(.invalidConfiguration, "\(source): not valid JSON (\(error))")
        }
        do { return try ServeConfiguration(json: json) } catch {
            throw ServiceError(.invalidConfiguration, "\(source): \(error.detail)")
        }
    }

    enum Key: String, CaseIterable {
        case interval = "interval_seconds", surveyTimeout = "survey_timeout_seconds"
        case apiListen = "api_listen", apiSocket = "api_socket", httpListen = "http_listen"
        case stateDirectory = "state_dir", webhooks, webhookCA = "webhook_ca", exec, execTimeout = "exec_timeout_seconds"
        case repeatHours = "repeat_hours", retentionDays = "retention_days", rawHours = "raw_hours"
        case textfileDirectory = "textfile_dir"
        case httpTLS = "http_tls", httpTLSCertificate = "http_tls_cert", httpTLSKey = "http_tls_key"
        case httpClientAuth = "http_client_auth"
    }

    public init(json: JSONValue) throws(ServiceError) {
        guard let object = json.objectValue else { throw ServiceError(.invalidConfiguration, "expected a JSON object, found \(json.kindName)") }
        let known = Set(Key.allCases.map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError(.invalidConfiguration, "unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        func number(_ key: Key, _ range: ClosedRange<Double>, _ fallback: Double) throws(ServiceError) -> Double {
            guard let value = object[key.rawValue] else { return fallback }
            guard let number = value.doubleValue, number.isFinite else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be a number, found \(value.kindName)")
            }
            guard range.contains(number) else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be in \(range.lowerBound)...\(range.upperBound), found \(number)")
            }
            return number
        }
        func text(_ key: Key) throws(ServiceError) -> String? {
            guard let value = object[key.rawValue] else { return nil }
            guard let text = value.stringValue, !text.isEmpty else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be a non-empty string, found \(value.kindName)")
            }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must not contain control characters")
            }
            return text
        }
        func path(_ key: Key) throws(ServiceError) -> String? {
            guard let value = try text(key) else { return nil }
            guard value.hasPrefix("/") else { throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be an absolute path, found \"\(value)\"") }
            return value
        }
        intervalSeconds = try number(.interval, 1...86_400, 30)
        surveyTimeoutSeconds = try number(.surveyTimeout, 0.5...600, 10)
        execTimeoutSeconds = try number(.execTimeout, 0.1...600, 10)
        repeatHours = try number(.repeatHours, 0.001...8760, 4)
        retentionDays = try number(.retentionDays, 1...3650, 90)
        rawHours = try number(.rawHours, 1...8760, 48)
        apiListen = try text(.apiListen)
        if let listen = apiListen { try Self.checkHostPort(listen, field: Key.apiListen.rawValue) }
        if let value = try path(.apiSocket) { apiSocket = value }
        if let value = try text(.httpListen) { httpListen = value }
        try Self.checkHostPort(httpListen, field: Key.httpListen.rawValue)
        func choice<T: RawRepresentable & CaseIterable>(_ key: Key, _ fallback: T) throws(ServiceError) -> T where T.RawValue == String {
            guard let value = object[key.rawValue] else { return fallback }
            let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard let name = value.stringValue else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be one of \(names), found \(value.kindName)")
            }
            guard let chosen = T(rawValue: name) else {
                throw ServiceError(.invalidConfiguration, "field \"\(key.rawValue)\" must be one of \(names), found \"\(name)\"")
            }
            return chosen
        }
        httpTLS = try choice(.httpTLS, HTTPTLSMode.auto)
        httpClientAuth = try choice(.httpClientAuth, HTTPClientAuth.none)
        httpTLSCertificate = try path(.httpTLSCertificate)
        httpTLSKey = try path(.httpTLSKey)
        try checkHTTPTLS()
        if let value = try path(.stateDirectory) { stateDirectory = value }
        textfileDirectory = try path(.textfileDirectory)
        if let value = object[Key.webhooks.rawValue] {
            guard let items = value.arrayValue else { throw ServiceError(.invalidConfiguration, "field \"webhooks\" must be an array of URLs, found \(value.kindName)") }
            webhooks = try items.enumerated().map { (index, item) throws(ServiceError) -> String in
                guard let url = item.stringValue else {
                    throw ServiceError(.invalidConfiguration, "field \"webhooks[\(index)]\" must be an http:// or https:// URL string, found \(item.kindName)")
                }
                do throws(ServiceError) { _ = try WebhookURL(parsing: url) } catch {
                    throw ServiceError(.invalidConfiguration, "field \"webhooks[\(index)]\" \(error.detail)")
                }
                return url
            }
        }
        if let value = try path(.webhookCA) { webhookCA = value }
        if let value = object[Key.exec.rawValue] {
            guard let items = value.arrayValue else { throw ServiceError(.invalidConfiguration, "field \"exec\" must be an array of argv arrays, found \(value.kindName)") }
            exec = try items.enumerated().map { (index, item) throws(ServiceError) -> [String] in
                guard let argv = item.arrayValue?.compactMap(\.stringValue), argv.count == item.arrayValue?.count,
                      let program = argv.first, program.hasPrefix("/") else {
                    throw ServiceError(.invalidConfiguration, "field \"exec[\(index)]\" must be an array of strings whose first is an absolute program path")
                }
                return argv
            }
        }
    }

    /// The TLS fields fit together and with `http_listen` (also checked by `HTTPMonitor`, for
    /// settings made in code).
    func checkHTTPTLS() throws(ServiceError) {
        switch (httpTLSCertificate, httpTLSKey) {
        case (_?, nil): throw ServiceError(.invalidConfiguration, "field \"http_tls_cert\" is set without \"http_tls_key\": give both or neither (neither: the master's agent certificate)")
        case (nil, _?): throw ServiceError(.invalidConfiguration, "field \"http_tls_key\" is set without \"http_tls_cert\": give both or neither (neither: the master's agent certificate)")
        default: break
        }
        if httpUsesTLS { return }
        if httpTLS == .off, let host = HTTPMonitor.split(httpListen)?.0, !HTTPMonitor.isLoopback(host) {
            throw ServiceError(.invalidConfiguration, """
                field "http_tls" is "off" but "http_listen" is \(httpListen), not a loopback address: plain HTTP is served on \
                loopback only; set "http_tls" to "auto" or "on", or listen on 127.0.0.1 or [::1]
                """)
        }
        let why = httpTLS == .off ? "\"http_tls\" is \"off\"" : "\"http_tls\" is \"auto\" and \(httpListen) is loopback"
        if httpClientAuth != .none {
            throw ServiceError(.invalidConfiguration, "field \"http_client_auth\" is \"\(httpClientAuth.rawValue)\" but the listener speaks plain HTTP (\(why)); set \"http_tls\" to \"on\"")
        }
        if httpTLSCertificate != nil {
            throw ServiceError(.invalidConfiguration, "field \"http_tls_cert\" is set but the listener speaks plain HTTP (\(why)); set \"http_tls\" to \"on\" or drop the certificate")
        }
    }

    /// `HOST:PORT` with a numeric host (IPv4, or IPv6 in brackets) and a port in 1...65535.
    static func checkHostPort(_ value: String, field: String) throws(ServiceError) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]), (1...65_535).contains(port) else {
            throw ServiceError(.invalidConfiguration, "field \"\(field)\" must be \"HOST:PORT\" with a port in 1...65535, found \"\(value)\"")
        }
        let host = value[..<colon]
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : host
        let numeric = !bare.isEmpty && bare.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
        guard numeric else {
            throw ServiceError(.invalidConfiguration, "field \"\(field)\" must name a numeric address (no name lookups), found \"\(value)\"")
        }
    }
}

/// `http_tls` in serve.json.
public enum HTTPTLSMode: String, Sendable, CaseIterable {
    case auto, on, off
}

/// `http_client_auth` in serve.json: `operator` asks for a client certificate of the cluster CA
/// with an operator role (read-only operators too: the listener only reads), the CRL applied, as
/// the JSON API does.
public enum HTTPClientAuth: String, Sendable, CaseIterable {
    case none
    case `operator`
}
