internal import Glibc

/// A small blocking HTTP/1.0 GET for `meridian check` (the running service's /api/v1/status),
/// the tests and the benchmark: loopback only (127.0.0.0/8, ::1), numeric addresses, a deadline
/// over the whole exchange and a bound on the reply. Call it from a thread you own.
public enum LoopbackHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func get(_ hostPort: String, path: String, timeoutSeconds: Double = 2, limit: Int = 64 << 20,
                           method: String = "GET") throws(Failure) -> Response {
        guard let (host, port) = HTTPMonitor.split(hostPort), HTTPMonitor.isLoopback(host) else {
            throw Failure(description: "\(hostPort) is not a loopback HOST:PORT")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0.01, min(timeoutSeconds, 600)) * 1000))
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: errno \(errno)") }
        defer { close(fd) }
        let rc: Int32
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw Failure(description: "\(host) is not an IPv6 address") }
            rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "\(host) is not an IPv4 address") }
            rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw Failure(description: "cannot connect to \(hostPort): errno \(errno)") }
            try wait(fd, Int16(POLLOUT), deadline, "connect to \(hostPort)")
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { throw Failure(description: "cannot connect to \(hostPort): errno \(soError)") }
        }
        var request = Array("\(method) \(path) HTTP/1.0\r\nHost: \(hostPort)\r\nConnection: close\r\n\r\n".utf8)
        while !request.isEmpty {
            try wait(fd, Int16(POLLOUT), deadline, "send to \(hostPort)")
            let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw Failure(description: "send to \(hostPort) failed: errno \(errno)") }
                continue
            }
            request.removeFirst(sent)
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            try wait(fd, Int16(POLLIN), deadline, "reply from \(hostPort)")
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw Failure(description: "read from \(hostPort) failed: errno \(errno)") }
                continue
            }
            reply += buffer[..<count]
            guard reply.count <= limit else { throw Failure(description: "the reply from \(hostPort) is larger than \(limit) bytes") }
        }
        return try parse(reply, from: hostPort)
    }

    static func wait(_ fd: Int32, _ events: Int16, _ deadline: ContinuousClock.Instant, _ what: String) throws(Failure) {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Failure(description: "\(what) timed out") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(min(Double(left.components.seconds) * 1000 + Double(left.components.attoseconds) / 1e15 + 1, 60_000))
            let rc = poll(&entry, 1, milliseconds)
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw Failure(description: "\(what): poll failed, errno \(errno)") }
        }
    }

    static func parse(_ reply: [UInt8], from hostPort: String) throws(Failure) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, reply.count - 3)).first(where: { Array(reply[$0..<($0 + 4)]) == separator }) else {
            throw Failure(description: "\(hostPort) did not answer with an HTTP header")
        }
        let head = String(decoding: reply[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusWords = head.first?.split(separator: " ") ?? []
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/"), let status = Int(statusWords[1]) else {
            throw Failure(description: "\(hostPort) sent no HTTP status line")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Response(status: status, headers: headers, body: Array(reply[(end + 4)...]))
    }
}
