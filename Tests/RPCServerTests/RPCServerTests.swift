import HostSystem
import RPCServer
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// The generic server with a trivial handler, over real TLS on loopback with operator
/// certificates: hello first, pushed notifications in order between responses, a peer that
/// never reads cannot hold up the pusher, the close callback, and the peer as the handler sees it.
@Suite(.offPool) struct RPCServerTests {
    @Test func requestBeforeHelloIsRefusedAndNamesTheHelloMethod() throws {
        let fixture = try APIServerFixture()
        let framed = try fixture.connect()
        defer { framed.close() }
        let answer = try #require(try framed.call(#"{"jsonrpc":"2.0","id":7,"method":"echo","params":{}}"#))
        #expect(answer["error"]?["code"]?.intValue == Int64(RPCError.notHelloFirst))
        #expect(answer["id"]?.intValue == 7)
        #expect(answer["error"]?["message"]?.stringValue?.contains("must be api.hello, got \"echo\"") == true, "\(answer)")
        #expect(try framed.receive() == nil, "the connection is closed after the refusal")
    }

    @Test func helloThenRequestsAreAnswered() throws {
        let fixture = try APIServerFixture()
        let framed = try fixture.connect()
        defer { framed.close() }
        #expect(try framed.call(FramedConnection.hello)?["result"]?["hello"]?.stringValue == "test")
        let echo = try #require(try framed.call(#"{"jsonrpc":"2.0","id":2,"method":"echo","params":{"a":[1,2]}}"#))
        #expect(echo["result"]?["a"] == .array([.integer(1), .integer(2)]))
        let unknown = try #require(try framed.call(#"{"jsonrpc":"2.0","id":3,"method":"nope"}"#))
        #expect(unknown["error"]?["code"]?.intValue == Int64(RPCError.methodNotFound))
    }

    @Test(arguments: [("ops", false, "operator"), ("viewer", true, "operator-read-only")])
    func theHandlerSeesThePeer(name: String, readOnly: Bool, role: String) throws {
        let fixture = try APIServerFixture()
        let framed = try fixture.connect(as: name, readOnly: readOnly)
        defer { framed.close() }
        _ = try framed.call(FramedConnection.hello)
        let peer = try #require(try framed.call(#"{"jsonrpc":"2.0","id":2,"method":"whoami"}"#)?["result"])
        #expect(peer["name"]?.stringValue == name)
        #expect(peer["role"]?.stringValue == role)
        #expect(peer["read_only"] == .bool(readOnly))
    }

    /// 500 notifications pushed from another thread while the client keeps sending requests:
    /// every frame decodes (none interleaved), the notifications arrive in order, the answer that
    /// started them comes first, and every response arrives with its id.
    @Test func pushedNotificationsArriveInOrderBetweenResponses() throws {
        let fixture = try APIServerFixture()
        let framed = try fixture.connect()
        defer { framed.close() }
        _ = try framed.call(FramedConnection.hello)
        try framed.send(#"{"jsonrpc":"2.0","id":2,"method":"ticks","params":{"count":500}}"#)
        let first = try #require(try framed.receive())
        #expect(first["id"]?.intValue == 2, "the answer precedes the notifications it started: \(first)")
        var ticks: [Int64] = []
        var answered: [Int64] = []
        var nextID: Int64 = 10
        while ticks.count < 500 || answered.count < 20 {
            if nextID < 30 {
                try framed.send(#"{"jsonrpc":"2.0","id":\#(nextID),"method":"echo","params":{"i":\#(nextID)}}"#)
                nextID += 1
            }
            let frame = try #require(try framed.receive(), "closed after \(ticks.count) ticks, \(answered.count) answers")
            if frame["method"]?.stringValue == "tick" {
                #expect(frame["id"] == nil, "a notification carries no id")
                ticks.append(try #require(frame["params"]?["n"]?.intValue))
            } else {
                let id = try #require(frame["id"]?.intValue)
                #expect(frame["result"]?["i"]?.intValue == id)
                answered.append(id)
            }
        }
        #expect(ticks == Array(0..<500))
        #expect(answered == Array(10..<30))
    }

    /// A client that asks for a flood and never reads: each push returns at once (never waits
    /// for the peer), pushes are refused once the bounded queue is full, the connection is dropped
    /// and its close callback runs; the server still serves others.
    @Test func aPeerThatNeverReadsDoesNotBlockThePusher() throws {
        var limits = RPCServerLimits()
        limits.maxQueuedFrames = 64
        limits.writeTimeoutSeconds = 3
        let fixture = try APIServerFixture(limits: limits)
        let framed = try fixture.connect()
        defer { framed.close() }
        _ = try framed.call(FramedConnection.hello)
        try framed.send(#"{"jsonrpc":"2.0","id":2,"method":"flood"}"#)
        // Not reading from here on.
        let handler = fixture.handler
        #expect(handler.wait { handler.flood.withLock { $0.finishedAt != nil } }, "the pusher finished")
        let flood = handler.flood.withLock { $0 }
        #expect(flood.refused, "pushes are refused once the peer stops reading")
        #expect(flood.pushed < 200_000, "\(flood.pushed) pushed before the refusal")
        // A push that waited for this peer would wait until the writer gave up on it, the write
        // timeout; a wall-clock bound tighter than that only measures the machine's load.
        #expect(flood.slowestPush < .seconds(limits.writeTimeoutSeconds), "the slowest push took \(flood.slowestPush)")
        #expect(handler.wait { handler.closed.withLock { $0 } == 1 }, "the close callback ran")
        #expect(handler.wait { fixture.server.authenticatedConnections == 0 })
        let other = try fixture.connect()
        defer { other.close() }
        #expect(try other.call(FramedConnection.hello)?["result"] != nil)
    }

    /// Few large notifications the outbox can hold, to a peer that never reads: the writer's
    /// frame times out (write_timeout), the peer is dropped and the close callback runs, while
    /// every push returned at once.
    @Test func aFrameThatCannotBeWrittenInTimeDropsThePeer() throws {
        var limits = RPCServerLimits()
        limits.maxQueuedBytes = 64 << 20
        limits.writeTimeoutSeconds = 3
        let fixture = try APIServerFixture(limits: limits)
        let framed = try fixture.connect()
        defer { framed.close() }
        _ = try framed.call(FramedConnection.hello)
        try framed.send(#"{"jsonrpc":"2.0","id":2,"method":"big"}"#)
        let handler = fixture.handler
        #expect(handler.wait { handler.flood.withLock { $0.finishedAt != nil } })
        let pushes = handler.flood.withLock { $0 }
        // As above: a push that waited for the peer would take the write timeout at least.
        #expect(pushes.slowestPush < .seconds(limits.writeTimeoutSeconds), "the slowest push took \(pushes.slowestPush)")
        #expect(handler.wait { handler.closed.withLock { $0 } == 1 }, "dropped once a frame did not go out within 3 s")
        #expect(handler.wait { fixture.server.authenticatedConnections == 0 })
    }

    @Test func theCloseCallbackRunsWhenThePeerCloses() throws {
        let fixture = try APIServerFixture()
        let framed = try fixture.connect()
        _ = try framed.call(FramedConnection.hello)
        #expect(fixture.handler.closed.withLock { $0 } == 0)
        framed.close()
        #expect(fixture.handler.wait { fixture.handler.closed.withLock { $0 } == 1 })
    }

    @Test func aFullServerAnswersBusy() throws {
        var limits = RPCServerLimits()
        limits.maxConnections = 1
        let fixture = try APIServerFixture(limits: limits)
        let first = try fixture.connect()
        defer { first.close() }
        _ = try first.call(FramedConnection.hello)
        let second = try fixture.connect()
        defer { second.close() }
        let busy = try #require(try second.call(FramedConnection.hello))
        #expect(busy["error"]?["code"]?.intValue == Int64(RPCError.busy))
        #expect(busy["id"]?.intValue == 1)
        #expect(busy["error"]?["message"]?.stringValue?.contains("the API already serves 1 connections") == true, "\(busy)")
    }

    @Test func aRevokedOperatorIsRefused() throws {
        let fixture = try APIServerFixture()
        _ = try PKI.revoke(name: "ops", in: fixture.pki.path)
        // A context built after the revocation loads the new list.
        let server = try APIServerFixture.makeServer(fixture.pki, limits: RPCServerLimits(), handler: fixture.handler)
        defer { server.stop() }
        let endpoint = try #require(server.localEndpoint)
        let error = #expect(throws: TransportError.self) {
            let framed = FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(fixture.operatorTLS("ops")),
                                                                    expectedNode: "master", timeout: .seconds(10)))
            _ = try framed.call(FramedConnection.hello)
        }
        #expect(error?.kind == .verification(.revoked), "\(error.map(\.description) ?? "-")")
        // The read-only operator, not revoked, still gets in.
        let viewer = FramedConnection(try TLSConnection.connect(to: endpoint, context: TLSContext(fixture.operatorTLS("viewer", readOnly: true)),
                                                                expectedNode: "master", timeout: .seconds(10)))
        defer { viewer.close() }
        #expect(try viewer.call(FramedConnection.hello)?["result"] != nil)
    }

    /// The idle timeout drops a silent peer; a session the handler holds open (a subscriber)
    /// stays past it.
    @Test func aHeldOpenSessionOutlivesTheIdleTimeout() throws {
        var limits = RPCServerLimits()
        limits.idleTimeoutSeconds = 0.5
        limits.heldIdleTimeoutSeconds = 30
        let fixture = try APIServerFixture(limits: limits)
        let silent = try fixture.connect()
        defer { silent.close() }
        _ = try silent.call(FramedConnection.hello)
        let subscriber = try fixture.connect()
        defer { subscriber.close() }
        _ = try subscriber.call(FramedConnection.hello)
        _ = try subscriber.call(#"{"jsonrpc":"2.0","id":2,"method":"subscribe"}"#)
        #expect(try silent.receive(timeout: .seconds(10)) == nil, "the silent peer is dropped after 0.5 s")
        ChildProcess.sleep(.seconds(1))
        #expect(try subscriber.call(#"{"jsonrpc":"2.0","id":3,"method":"echo","params":{"still":true}}"#)?["result"]?["still"] == .bool(true))
    }
}
