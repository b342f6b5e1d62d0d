@testable import NodeAgent
import Testing

/// /proc/net/udp and udp6 as the kernel printed them in a network namespace where a process
/// held UDP 123 (a dual-stack IPv6 socket) and another 127.0.0.1:323.
@Suite struct NTPPortSocketsTests {
    static let udp = """
           sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
         8054: 0100007F:0143 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 437050 2 0000000055075b5e 0        

        """
    static let udp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
         7854: 00000000000000000000000000000000:007B 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 436986 2 00000000083a2ea7 0

        """

    @Test func findsTheSocketOnPort123AndNoOther() {
        #expect(NTPPortSockets.inodes(procNetUDP: Self.udp6, port: 123) == ["436986"])
        #expect(NTPPortSockets.inodes(procNetUDP: Self.udp, port: 123).isEmpty)
        #expect(NTPPortSockets.inodes(procNetUDP: Self.udp, port: 323) == ["437050"])
    }

    @Test(arguments: ["", "garbage\n", "header\n 1: nonsense\n", "header\n 1: 00000000:007B 0 0 0 0 0 0 0\n"])
    func unreadableLinesAreSkipped(text: String) {
        #expect(NTPPortSockets.inodes(procNetUDP: text, port: 123).isEmpty)
    }
}
