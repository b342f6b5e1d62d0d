import SecureTransport
import WireProtocol

/// One HTTP/1.1 POST of an event to a webhook, over the project's own sockets
/// (`PlainTCPStream`, or `TLSConnection` with `tls` for https://): `Connection: close`, the
/// body with its Content-Length, then the status line is read and the rest ignored. Blocking,
/// bounded by `timeout` from connect to status line (the TLS handshake included): call it from
/// the target's own thread.
enum WebhookPost {
    /// The status line's code, or a failure naming what went wrong.
    enum Outcome: Equatable {
        case status(Int)
        case failed(String)

        var delivered: Bool { if case .status(let code) = self { (200...299).contains(code) } else { false } }
    }

    /// `tls`: the context for an https:// URL (`TLSContext.webhookClient`); an https:// URL
    /// without one fails, naming the missing setting.
    static func send(_ body: [UInt8], to url: WebhookURL, tls: TLSContext? = nil, timeout: Duration) -> Outcome {
        let deadline = ContinuousClock.now + timeout
        let stream: Stream
        do throws(TransportError) { stream = try Stream.connect(to: url, tls: tls, timeout: timeout) } catch {
            return .failed(error.detail)
        }
        defer { stream.close() }
        do throws(TransportError) {
            try stream.write(request(body, to: url), until: deadline)
            var received: [UInt8] = []
            while true {
                if let end = lineEnd(received) { return parseStatusLine(Array(received[..<end])) }
                guard received.count < 8192 else { return .failed("status line longer than 8 KiB") }
                let chunk = try stream.read(maxBytes: 4096, until: deadline)
                guard !chunk.isEmpty else {
                    return .failed(received.isEmpty ? "closed the connection without an answer" : "closed the connection in the status line")
                }
                received += chunk
            }
        } catch {
            return .failed(error.detail)
        }
    }

    /// Plain TCP or TLS, both bounded by a deadline.
    enum Stream {
        case plain(PlainTCPStream)
        case tls(TLSConnection)

        static func connect(to url: WebhookURL, tls: TLSContext?, timeout: Duration) throws(TransportError) -> Stream {
            let endpoint = Endpoint(host: url.host, port: url.port)
            guard url.usesTLS else { return .plain(try PlainTCPStream.connect(to: endpoint, timeout: timeout)) }
            guard let tls else { throw TransportError(.config, "an https:// webhook needs a CA file to trust (serve.json's webhook_ca)") }
            // The certificate must name the address dialled (TLSConnection checks the IP entry).
            return .tls(try TLSConnection.connect(to: endpoint, context: tls, timeout: timeout))
        }

        func write(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws(TransportError) {
            switch self {
            case .plain(let stream): try stream.write(bytes, until: deadline)
            case .tls(let connection): try connection.write(bytes, timeout: Self.left(until: deadline))
            }
        }

        func read(maxBytes: Int, until deadline: ContinuousClock.Instant) throws(TransportError) -> [UInt8] {
            switch self {
            case .plain(let stream): try stream.read(maxBytes: maxBytes, until: deadline)
            case .tls(let connection): try connection.read(maxBytes: maxBytes, timeout: Self.left(until: deadline))
            }
        }

        func close() {
            switch self {
            case .plain(let stream): stream.close()
            case .tls(let connection): connection.close()
            }
        }

        private static func left(until deadline: ContinuousClock.Instant) throws(TransportError) -> Duration {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw TransportError(.timedOut, "no answer before the deadline") }
            return left
        }
    }

    static func request(_ body: [UInt8], to url: WebhookURL) -> [UInt8] {
        let head = "POST \(url.target) HTTP/1.1\r\n"
            + "Host: \(url.hostHeader)\r\n"
            + "User-Agent: meridian/\(MeridianVersion.current)\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func lineEnd(_ bytes: [UInt8]) -> Int? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return newline > 0 && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
    }

    /// `HTTP/1.1 204 No Content` → 204.
    static func parseStatusLine(_ line: [UInt8]) -> Outcome {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]), (100...599).contains(code) else {
            return .failed("not an HTTP/1.x answer: \"\(text.prefix(80))\"")
        }
        return .status(code)
    }
}
