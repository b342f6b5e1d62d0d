import SecureTransport

/// How `meridian check` (and the benchmark) reads the running service's HTTP listener as
/// serve.json describes it: plain HTTP on loopback, or HTTPS when `httpUsesTLS`, the server's
/// certificate verified against the cluster CA for the master's node name (the agent
/// certificate's DNS name, which holds whatever address the listener is dialled on). Blocking:
/// call it from a thread you own.
public enum ServiceStatusClient {
    /// `client`: the context to dial with when TLS is on (the coordinator's for
    /// `http_client_auth: none`, which the listener never asks to see; an operator's for
    /// `operator`); `serverName`: the master's node name.
    public static func get(_ serve: ServeConfiguration, path: String, client: TLSContext?, serverName: String?,
                           timeoutSeconds: Double = 2, limit: Int = 16 << 20) throws(LoopbackHTTPClient.Failure) -> LoopbackHTTPClient.Response {
        guard serve.httpUsesTLS else {
            return try LoopbackHTTPClient.get(serve.httpListen, path: path, timeoutSeconds: timeoutSeconds, limit: limit)
        }
        guard let client, let serverName else {
            throw LoopbackHTTPClient.Failure(description: "https://\(serve.httpListen) needs a client context and the master's name")
        }
        guard let endpoint = dialEndpoint(serve.httpListen) else {
            throw LoopbackHTTPClient.Failure(description: "\(serve.httpListen) is not HOST:PORT")
        }
        return try getTLS(endpoint, path: path, client: client, serverName: serverName, timeoutSeconds: timeoutSeconds, limit: limit)
    }

    /// The listener's own address, or loopback for a wildcard one (0.0.0.0, ::).
    static func dialEndpoint(_ listen: String) -> Endpoint? {
        guard let (host, port) = HTTPMonitor.split(listen) else { return nil }
        switch host {
        case "0.0.0.0": return Endpoint(host: "127.0.0.1", port: port)
        case "::", "0:0:0:0:0:0:0:0": return Endpoint(host: "::1", port: port)
        default: return Endpoint(host: host, port: port)
        }
    }

    static func getTLS(_ endpoint: Endpoint, path: String, client: TLSContext, serverName: String, timeoutSeconds: Double,
                       limit: Int) throws(LoopbackHTTPClient.Failure) -> LoopbackHTTPClient.Response {
        let timeout = Duration.milliseconds(Int64(max(0.01, min(timeoutSeconds, 600)) * 1000))
        let deadline = ContinuousClock.now + timeout
        do {
            let connection = try TLSConnection.connect(to: endpoint, context: client, expectedNode: serverName, timeout: timeout)
            defer { connection.close() }
            try connection.write(Array("GET \(path) HTTP/1.0\r\nHost: \(endpoint)\r\nConnection: close\r\n\r\n".utf8), timeout: timeout)
            var reply: [UInt8] = []
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { throw LoopbackHTTPClient.Failure(description: "reply from https://\(endpoint) timed out") }
                let bytes = try connection.read(maxBytes: 64 * 1024, timeout: left)
                if bytes.isEmpty { break }
                reply += bytes
                guard reply.count <= limit else {
                    throw LoopbackHTTPClient.Failure(description: "the reply from https://\(endpoint) is larger than \(limit) bytes")
                }
            }
            return try LoopbackHTTPClient.parse(reply, from: "https://\(endpoint)")
        } catch let failure as LoopbackHTTPClient.Failure {
            throw failure
        } catch {
            throw LoopbackHTTPClient.Failure(description: "https://\(endpoint): \(error)")
        }
    }
}
