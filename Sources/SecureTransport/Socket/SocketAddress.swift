internal import COpenSSL
internal import Glibc

/// A resolved socket address (IPv4 or IPv6). A plain value, used where it is made; not shared.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    init?(numericHost host: String, port: UInt16) {
        length = meridian_sockaddr_from_numeric(host, port, &storage)
        if length == 0 { return nil }
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    var family: Int32 { Int32(storage.ss_family) }

    var endpoint: Endpoint {
        var host = [CChar](repeating: 0, count: 64)
        var port: UInt16 = 0
        var copy = storage
        guard meridian_sockaddr_describe(&copy, &host, 64, &port) == 0 else { return Endpoint(host: "?", port: 0) }
        return Endpoint(host: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: port)
    }

    /// Resolves numerically first; names go through getaddrinfo (in an offline cluster:
    /// /etc/hosts). Called on a dedicated thread, since the lookup may block.
    static func resolve(_ endpoint: Endpoint) throws(TransportError) -> [SocketAddress] {
        if let numeric = SocketAddress(numericHost: endpoint.host, port: endpoint.port) { return [numeric] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TransportError(.invalidAddress, "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr, entry.pointee.ai_addrlen <= MemoryLayout<sockaddr_storage>.size {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))
                }
                result.append(SocketAddress(storage: storage, length: entry.pointee.ai_addrlen))
            }
            cursor = entry.pointee.ai_next
        }
        return result
    }
}
