import RPCServer
import Testing

@Suite struct RPCPeerTests {
    @Test(arguments: [(UInt32(0), "local uid 0"), (65534, "local uid 65534")])
    func localPeerIsNamedByUID(uid: UInt32, name: String) {
        let peer = RPCPeer.local(uid: uid)
        #expect(peer.name == name)
        #expect(peer.role == nil)
        #expect(!peer.isReadOnly)
    }
}
