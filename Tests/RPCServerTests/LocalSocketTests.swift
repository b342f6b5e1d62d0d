import Glibc
import HostSystem
import RPCServer
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// The API's local Unix socket: mode 0600, a stale socket file replaced, anything else left
/// alone, the same framing and hello rule as over TLS, and SO_PEERCRED deciding who gets in:
/// a real process running as uid 65534 is refused by the file mode, and again by the uid check
/// when the mode is opened up on purpose.
@Suite(.offPool) struct LocalSocketTests {
    static func server(_ directory: TemporaryDirectory, handler: TestHandler, admitted: Set<UInt32>? = nil,
                       limits: RPCServerLimits = RPCServerLimits()) throws -> RPCServer {
        let server = try RPCServer(socketPath: directory.file("api.sock"), admittedUIDs: admitted, limits: limits,
                                   name: "API", helloMethod: "api.hello", handler: handler.handler)
        try server.start()
        return server
    }

    static func connect(_ directory: TemporaryDirectory) throws -> FramedConnection {
        FramedConnection(try LocalConnection.connect(path: directory.file("api.sock"), timeout: .seconds(5)))
    }

    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o7777
    }

    @Test func rootIsServedWithTheSameFramingAndHelloRule() throws {
        let directory = try TemporaryDirectory("meridian-sock")
        let handler = TestHandler()
        let server = try Self.server(directory, handler: handler)
        defer { server.stop() }
        #expect(Self.mode(directory.file("api.sock")) == 0o600)
        let early = try Self.connect(directory)
        defer { early.close() }
        #expect(try early.call(#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#)?["error"]?["code"]?.intValue == Int64(RPCError.notHelloFirst))
        let framed = try Self.connect(directory)
        defer { framed.close() }
        #expect(try framed.call(FramedConnection.hello)?["result"] != nil)
        let peer = try #require(try framed.call(#"{"jsonrpc":"2.0","id":2,"method":"whoami"}"#)?["result"])
        #expect(peer["name"]?.stringValue == "local uid \(geteuid())")
        #expect(peer["role"] == .null)
        #expect(peer["read_only"] == .bool(false))
        // A frame over the limit is answered and the connection closed, as over TLS.
        try framed.connection.write([0x7F, 0, 0, 0], timeout: .seconds(5))
        #expect(try framed.receive()?["error"]?["code"]?.intValue == Int64(RPCError.frameTooLarge))
        #expect(try framed.receive() == nil)
    }

    /// The admission decision on the kernel's uid: with only uid 4242 admitted, root itself is
    /// answered -32011 "forbidden" naming its uid.
    @Test func aUIDNotAdmittedIsForbidden() throws {
        let directory = try TemporaryDirectory("meridian-sock")
        let server = try Self.server(directory, handler: TestHandler(), admitted: [4242])
        defer { server.stop() }
        let framed = try Self.connect(directory)
        defer { framed.close() }
        let answer = try #require(try framed.call(FramedConnection.hello))
        #expect(answer["error"]?["code"]?.intValue == Int64(RPCServer.forbidden))
        #expect(answer["id"]?.intValue == 1)
        #expect(answer["error"]?["message"]?.stringValue?.contains("uid \(geteuid()) may not use") == true, "\(answer)")
        #expect(try framed.receive() == nil)
    }

    /// A client in Python run as nobody (65534): connecting fails on the 0600 mode; with the mode
    /// opened (a test-only chmod) it connects and the uid check refuses it.
    @Test(.enabled(if: Privileges.isRoot)) func aNonRootProcessIsRefused() throws {
        let directory = try TemporaryDirectory("meridian-sock")
        let server = try Self.server(directory, handler: TestHandler())
        defer { server.stop() }
        let path = directory.file("api.sock")
        let script = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("connect:", e.strerror); sys.exit(0)
            body = b'{"jsonrpc":"2.0","id":1,"method":"api.hello","params":{}}'
            s.sendall(struct.pack(">I", len(body)) + body)
            s.settimeout(10)
            data = b""
            while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            print("answer:", data[4:].decode())
            """
        let nobody = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "/usr/bin/python3", "-c", script, path]
        let refused = try ChildProcess.run(nobody, timeout: .seconds(30))
        #expect(refused.stdout.contains("connect: Permission denied"), "\(refused.stdout) \(refused.stderr)")
        #expect(chmod(path, 0o666) == 0)
        let forbidden = try ChildProcess.run(nobody, timeout: .seconds(30))
        #expect(forbidden.stdout.contains("\"code\":-32011"), "\(forbidden.stdout) \(forbidden.stderr)")
        #expect(forbidden.stdout.contains("uid 65534 may not use"), "\(forbidden.stdout)")
    }

    @Test func aStaleSocketIsReplacedAndALiveOneOrAFileIsNot() throws {
        let directory = try TemporaryDirectory("meridian-sock")
        let path = directory.file("api.sock")
        // A socket file nobody listens on, as a killed daemon leaves it.
        let stale = try ChildProcess.run(["/usr/bin/python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path],
                                         timeout: .seconds(30))
        #expect(stale.succeeded && Self.mode(path) != nil, "\(stale.stderr)")
        let handler = TestHandler()
        let server = try Self.server(directory, handler: handler)
        #expect(Self.mode(path) == 0o600)
        let framed = try Self.connect(directory)
        #expect(try framed.call(FramedConnection.hello)?["result"] != nil)
        // A second server on the same live socket is refused and names why.
        let second = #expect(throws: TransportError.self) { _ = try Self.server(directory, handler: handler) }
        #expect(second?.description.contains("another server is listening on it") == true, "\(second.map(\.description) ?? "-")")
        framed.close()
        server.stop()
        #expect(Self.mode(path) == nil, "stop removes the socket file")
        // A regular file in the way is never deleted.
        try directory.write("api.sock", "not a socket\n")
        let blocked = #expect(throws: TransportError.self) { _ = try Self.server(directory, handler: handler) }
        #expect(blocked?.description.contains("not a socket") == true, "\(blocked.map(\.description) ?? "-")")
        #expect(try readText(path) == "not a socket\n")
    }

    @Test func localConnectionsCountAgainstMaxConnections() throws {
        let directory = try TemporaryDirectory("meridian-sock")
        var limits = RPCServerLimits()
        limits.maxConnections = 1
        let server = try Self.server(directory, handler: TestHandler(), limits: limits)
        defer { server.stop() }
        let first = try Self.connect(directory)
        defer { first.close() }
        _ = try first.call(FramedConnection.hello)
        let second = try Self.connect(directory)
        defer { second.close() }
        #expect(try second.call(FramedConnection.hello)?["error"]?["code"]?.intValue == Int64(RPCError.busy))
    }
}
