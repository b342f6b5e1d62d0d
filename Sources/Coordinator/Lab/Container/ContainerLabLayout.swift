/// Where a container lab keeps its files, and the names it gives to kernel objects.
///
///     DIR/cluster.json, DIR/deploy.json, DIR/certs/       what the coordinator uses
///     DIR/container-lab.json                               what runs (ContainerLabState)
///     DIR/ssh/id_ed25519, DIR/ssh/known_hosts              the lab's root key and the nodes' host keys
///     DIR/nodes/NODE/upper, work                           the node's overlay on the shared base
///     DIR/nodes/NODE/root                                  the merged tree the container boots
///     DIR/nodes/NODE/clock/offset                          libfaketime's offset file (bound at /meridian-lab)
///     DIR/nodes/NODE/console.log                           systemd-nspawn's console
///
/// One container lab per machine: the bridge and namespace names are fixed so that `lab down`
/// and a human can always find them.
public struct ContainerLabLayout: Sendable {
    public let directory: String
    public init(directory: String) { self.directory = directory }

    public static let bridge = "mrdnlab0"
    /// The lab's private subnet: it exists only inside the lab's network namespaces.
    public static let subnet = "10.77.0.0/24"
    public static let prefixLength = 24
    /// The coordinator's own namespace on the bridge (the host has no address there).
    public static let coordinatorNamespace = "mrdn-coord"
    public static let coordinatorAddress = "10.77.0.2"
    public static let maxNodes = 64
    /// Where the node's clock directory appears inside it.
    public static let clockMount = "/meridian-lab"
    public static let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

    public var clusterFile: String { directory + "/cluster.json" }
    public var deploySettings: String { directory + "/deploy.json" }
    public var certificates: String { directory + "/certs" }
    public var state: String { directory + "/container-lab.json" }
    public var identity: String { directory + "/ssh/id_ed25519" }
    public var knownHosts: String { directory + "/ssh/known_hosts" }

    public func node(_ node: String) -> String { directory + "/nodes/" + node }
    public func upper(_ node: String) -> String { self.node(node) + "/upper" }
    public func work(_ node: String) -> String { self.node(node) + "/work" }
    public func root(_ node: String) -> String { self.node(node) + "/root" }
    public func clockDirectory(_ node: String) -> String { self.node(node) + "/clock" }
    public func offsetFile(_ node: String) -> String { clockDirectory(node) + "/offset" }
    public func console(_ node: String) -> String { self.node(node) + "/console.log" }

    public static func name(_ index: Int) -> String { "node\(index)" }
    /// node1 = 10.77.0.11, node2 = 10.77.0.12, …
    public static func address(_ index: Int) -> String { "10.77.0.\(10 + index)" }
    public static func namespace(_ node: String) -> String { "mrdn-" + node }
    /// The host end of a node's veth pair (interface names are at most 15 bytes).
    public static func hostVeth(_ node: String) -> String { "mv-" + node }
}
