import ClockSync
import Foundation
import HostSystem
import JSONCore
import NodeAgent
import SecureTransport
import Testing
import TestSupport
import WireProtocol

/// A real agent over real TLS on 127.0.0.1:0 whose every command is one small shell script
/// (`fake NAME ARGS…`): it logs its argv to `log`, prints `out/KEY` and exits with `rc/KEY`
/// (KEY is NAME, `chronyc-tracking` for `chronyc -c tracking`, `is_active-UNIT`), falling back
/// to `rc/NAME`, else 0. Tests set outputs and exit codes per command and read what ran.
final class FakeNode: @unchecked Sendable {
    let pki: TestPKI
    let directory: TemporaryDirectory
    let server: AgentServer
    let node: String
    let root: String

    var script: String { directory.file("fake") }
    var logPath: String { directory.file("log") }

    /// `root: nil` is a real node's root (""): only for tests that write nothing.
    init(node: String = "pve1", root useRoot: Bool = true, configure: (inout AgentConfiguration) -> Void = { _ in }) throws {
        self.node = node
        pki = try TestPKI()
        try pki.issueAgent(node, address: "127.0.0.1")
        directory = try TemporaryDirectory("meridian-fake-node")
        root = useRoot ? directory.file("root") : ""
        // The node has an RTC (hwclock runs); RTCActionTests covers a node without one.
        if useRoot { try FileManager.default.createDirectory(atPath: root + "/dev", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: root + "/dev/rtc0", contents: nil) }
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("rc"), withIntermediateDirectories: true)
        try directory.write("fake", """
            #!/bin/sh
            dir='\(directory.path)'
            name=$1; shift
            echo "$name $*" >> "$dir/log"
            key=$name
            case "$name" in
              chronyc) key="chronyc-$2" ;;
              is_active) key="is_active-$1" ;;
            esac
            [ -f "$dir/out/$key" ] && cat "$dir/out/$key"
            if [ -f "$dir/rc/$key" ]; then exit "$(cat "$dir/rc/$key")"; fi
            if [ -f "$dir/rc/$name" ]; then exit "$(cat "$dir/rc/$name")"; fi
            exit 0

            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.file("fake"))
        var config = AgentConfiguration(node: node, listen: "127.0.0.1:0", caPath: pki.ca,
                                        certificatePath: pki.path + "/\(node).pem", keyPath: pki.path + "/\(node).key")
        config.root = root
        config.syncTimeoutSeconds = 10
        let fake = directory.file("fake")
        var commands = AgentCommands()
        commands.chronyc = [fake, "chronyc"]
        commands.chronydVersion = [fake, "chronyd_version"]
        commands.restartChrony = [fake, "restart_chrony"]
        commands.isActive = [fake, "is_active"]
        commands.disableNow = [fake, "disable_now"]
        commands.setTimezone = [fake, "set_timezone"]
        commands.showTimedate = [fake, "show_timedate"]
        commands.hwclockSystohc = [fake, "hwclock_systohc"]
        commands.restartCorosync = [fake, "restart_corosync"]
        commands.restartPveCluster = [fake, "restart_pve_cluster"]
        commands.quorumStatus = [fake, "quorum_status"]
        commands.cephStatus = [fake, "ceph_status"]
        commands.hostname = [fake, "hostname"]
        commands.setClock = [fake, "set_clock"]
        commands.ufwStatus = [fake, "ufw_status"]
        commands.ufwAllow = [fake, "ufw_allow"]
        commands.otherTimeDaemons = ["systemd-timesyncd.service", "ntp.service"]
        config.commands = commands
        configure(&config)
        server = try AgentServer(configuration: config)
        try server.start()
        try set(rc: "is_active", 3)  // inactive unless a test says otherwise
    }

    deinit { server.stop() }

    func set(out key: String, _ text: String) throws { try directory.write("out/\(key)", text) }
    func set(rc key: String, _ code: Int) throws { try directory.write("rc/\(key)", "\(code)\n") }
    func set(outFixture key: String, _ fixture: String) throws {
        try set(out: key, try readText(FixturePath.in("ClockSyncTests", fixture)))
    }

    /// The commands that ran, one line each: NAME ARGS….
    func log() -> [String] {
        ((try? readText(logPath)) ?? "").split(separator: "\n").map(String.init)
    }

    func ran(_ name: String) -> [String] { log().filter { $0 == name || $0.hasPrefix(name + " ") } }

    var chronyConf: String { root + "/etc/chrony/chrony.conf" }
    var backups: String { root + ChronyBackups.directory }

    /// A greeted TLS session; `call` sends one request and returns the result or the error.
    func session() throws -> FramedConnection {
        let framed = FramedConnection(try TLSConnection.connect(to: server.localEndpoint, context: TLSContext(pki.coordinatorTLS()),
                                                                expectedNode: node, timeout: .seconds(5)), maxPayload: 1 << 20)
        _ = try call(framed, .hello, HelloParams(coordinatorVersion: "test", protocolVersions: ProtocolVersion.supported)).get()
        return framed
    }

    func call(_ framed: FramedConnection, _ method: Method, _ params: some Encodable) throws -> Result<JSONValue, RPCError> {
        try call(framed, method.rawValue, try RPCCodec.encode(params))
    }

    func call(_ framed: FramedConnection, _ method: String, _ params: JSONValue) throws -> Result<JSONValue, RPCError> {
        try framed.writeFrame(RPCCodec.encodeRequest(RPCRequest(id: .number(7), method: method, params: params)), timeout: .seconds(5))
        let payload = try #require(try framed.readFrame(timeout: .seconds(60)))
        return try RPCCodec.decodeResponse(payload).outcome
    }

    /// One call on a fresh session, decoded.
    func call<T: Decodable>(_ method: Method, _ params: some Encodable, as type: T.Type) throws -> T {
        let framed = try session()
        defer { framed.close() }
        return try RPCCodec.decode(T.self, from: try call(framed, method, params).get())
    }

    func error(_ method: Method, _ params: some Encodable) throws -> RPCError? {
        let framed = try session()
        defer { framed.close() }
        if case .failure(let error) = try call(framed, method, params) { return error }
        return nil
    }

    /// The node's settings as the agent renders with them (backups under its root).
    var localSettings: ChronyLocalSettings {
        var settings = server.configuration.chrony
        settings.backupDirectory = root + ChronyBackups.directory
        return settings
    }

    /// A time server's intent for this node: serves `subnet`, peers nobody.
    func serverIntent(allow subnet: String = "10.0.0.0/24") throws -> ChronyIntent {
        ChronyIntent(cluster: "test", node: try #require(Hostname(node)), role: .server,
                     allow: [try #require(CIDR(subnet))], rtcSync: true)
    }

    func clientIntent(server address: String = "127.0.0.2") throws -> ChronyIntent {
        ChronyIntent(cluster: "test", node: try #require(Hostname(node)), role: .client,
                     servers: [.init(address: try #require(IPAddress(address)), prefer: true)])
    }

    /// chronyc reports the local clock as reference (a time server that serves).
    func serveLocally() throws {
        try set(outFixture: "chronyc-tracking", "chrony/server-local/tracking.csv")
        try set(outFixture: "chronyc-sources", "chrony/server-local/sources.csv")
    }
}
