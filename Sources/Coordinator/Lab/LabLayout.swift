import ClockSync

/// Where a lab keeps its files: one root per node, the way a node's `/` would look.
///
///     DIR/cluster.json, DIR/certs/, DIR/lab.json (what runs), DIR/clockd.log
///     DIR/nodes/NODE/etc/chrony/chrony.conf   the node's chrony.conf (the agent manages it)
///     DIR/nodes/NODE/run/chronyd.sock|.pid    chronyd's command socket and pid
///     DIR/nodes/NODE/offset                   libfaketime's offset file: the node's "kernel clock"
///     DIR/nodes/NODE/agent.json, *.log
public struct LabLayout: Sendable {
    public let directory: String
    public init(directory: String) { self.directory = directory }

    public static let serverPort = 11123
    /// Where the default config's stand-in for Debian's pool points: loopback, nothing answers.
    public static let deadSourcePort = 11199
    public static let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

    public var clusterFile: String { directory + "/cluster.json" }
    public var certificates: String { directory + "/certs" }
    public var state: String { directory + "/lab.json" }
    public var clockdLog: String { directory + "/clockd.log" }
    public var journal: String { directory + "/apply-journal.jsonl" }

    public func root(_ node: String) -> String { directory + "/nodes/" + node }
    public func chronyConf(_ node: String) -> String { root(node) + "/etc/chrony/chrony.conf" }
    public func socket(_ node: String) -> String { root(node) + "/run/chronyd.sock" }
    public func pidFile(_ node: String) -> String { root(node) + "/run/chronyd.pid" }
    public func offsetFile(_ node: String) -> String { root(node) + "/offset" }
    public func agentConfig(_ node: String) -> String { root(node) + "/agent.json" }
    public func agentLog(_ node: String) -> String { root(node) + "/agent.log" }
    public func chronydLog(_ node: String) -> String { root(node) + "/chronyd.log" }

    public static func name(_ index: Int) -> String { "node\(index)" }
    public static func address(_ index: Int) -> String { "127.0.0.\(index + 1)" }

    /// The environment that puts a process on the node's simulated clock. chronyd also gets the
    /// shim that keeps its packet timestamps on that clock (Sources/LabTimestampShim).
    public func fakeClockEnvironment(_ node: String, timestampShim: String? = nil) -> [String: String] {
        ["LD_PRELOAD": ([Self.libfaketime] + (timestampShim.map { [$0] } ?? [])).joined(separator: " "),
         "FAKETIME_TIMESTAMP_FILE": offsetFile(node), "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
    }

    /// The lab shim is built beside the executables (`swift build` makes it).
    public static func timestampShim(besideExecutable path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "libMeridianLabTimestampShim.so" }
        return String(path[..<slash]) + "/libMeridianLabTimestampShim.so"
    }

    /// Debian's default chrony.conf, as a fresh node has it — except that the pool, which would
    /// leave the machine, is a loopback source where nothing answers — plus the lab's own lines.
    public func debianDefaultConfig(_ node: String, address: String) -> String {
        let root = root(node)
        return """
            # Welcome to the chrony configuration file. See chrony.conf(5) for more
            # information about usable directives.

            # Debian's default is `pool 2.debian.pool.ntp.org iburst`; the lab never leaves loopback,
            # so this source stands in for an internet pool an offline cluster cannot reach.
            server 127.0.0.1 port \(Self.deadSourcePort) iburst

            # Use time sources from DHCP.
            sourcedir \(root)/run/chrony-dhcp

            # Use NTP sources found in /etc/chrony/sources.d.
            sourcedir \(root)/etc/chrony/sources.d

            # This directive specify the file into which chronyd will store the rate
            # information.
            driftfile \(root)/var/lib/chrony/chrony.drift

            # This directive enables kernel synchronisation (every 11 minutes) of the
            # real-time clock. Left out in the lab: chronyd runs with -x.

            # Step the system clock instead of slewing it if the adjustment is larger than
            # one second, but only in the first three clock updates.
            makestep 1 3

            # Loopback lab: own address, socket and files; chronyd runs with -x.
            user root
            bindaddress \(address)
            port 0
            cmdport 0
            bindcmdaddress \(root)/run/chronyd.sock
            pidfile \(root)/run/chronyd.pid

            """
    }
}
