import Glibc
import HostSystem
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 (port 0: the kernel picks), for webhook tests: it reads
/// each request's head and Content-Length body, records them, and answers with the next status
/// of its script (then 200 for ever). One connection at a time on its own thread; blocking
/// sockets with receive timeouts, so a broken client cannot hang it.
final class AlertTestReceiver: Sendable {
    struct Request: Sendable {
        var head: String
        var body: String
        /// Monotonic arrival time.
        var arrived: ContinuousClock.Instant
    }

    private struct State: Sendable {
        var script: [Int]
        var requests: [Request] = []
        var finished = false
    }

    let port: UInt16
    private let fd: Int32
    private let state: ThreadCondition<State>

    init(script: [Int] = []) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HostError(.io, "socket: \(Errno.current)") }
        port = try Self.bindLoopback(fd)
        guard listen(fd, 16) == 0 else { throw HostError(.io, "listen: \(Errno.current)") }
        state = ThreadCondition(State(script: script))
        let fd = fd
        try DedicatedThread.start(name: "test-receiver") { [state] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    state.update { $0.finished = true }  // shut down
                    return
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                Self.serve(client, state)
                Glibc.close(client)
            }
        }
    }

    /// Binds `fd` to 127.0.0.1 port 0 and returns the port given.
    static func bindLoopback(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw HostError(.io, "bind: \(Errno.current)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var requests: [Request] { state.read { $0.requests } }

    /// Waits (on the calling thread: use from a DedicatedThread or a synchronous test) until
    /// `count` requests arrived; false at the timeout.
    func wait(for count: Int, timeout: Duration) -> Bool {
        state.wait(until: { $0.requests.count >= count }, timeout: timeout) { _, ready in ready }
    }

    /// Shuts the listener, waits for its thread to leave `accept`, then closes the descriptor
    /// (closing first could hand the number to the next test's socket while the thread still
    /// accepts on it).
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        _ = state.wait(until: { $0.finished }, timeout: .seconds(10)) { _, done in done }
        Glibc.close(fd)
    }

    private static func serve(_ client: Int32, _ state: ThreadCondition<State>) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var wanted = Int.max
        while received.count < wanted {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            received += buffer[0..<n]
            if headEnd == nil, let end = (0...(max(0, received.count - 4))).first(where: { Array(received[$0..<min(received.count, $0 + 4)]) == separator }) {
                headEnd = end
                let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: " ")) } ?? 0
                wanted = end + 4 + length
            }
        }
        guard let end = headEnd else { return }
        let request = Request(head: String(decoding: received[..<end], as: UTF8.self),
                              body: String(decoding: received[(end + 4)...], as: UTF8.self), arrived: .now)
        let status = state.update { state -> Int in
            state.requests.append(request)
            return state.script.isEmpty ? 200 : state.script.removeFirst()
        }
        let answer = Array("HTTP/1.1 \(status) \(status == 200 ? "OK" : "Scripted")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// Raw socket calls for `IdleSocket` (the test file that uses them stays free of Glibc).
func silentSocket() -> Int32 { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
func startListening(_ fd: Int32) -> Bool { listen(fd, 16) == 0 }
func closeSocket(_ fd: Int32) { shutdown(fd, Int32(SHUT_RDWR)); _ = Glibc.close(fd) }
