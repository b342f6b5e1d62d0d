import HostSystem
import JSONCore

/// What a running container lab consists of (DIR/container-lab.json): enough for `lab down`
/// to remove every piece even after a failed `up`, and for the host-clock check.
public struct ContainerLabState: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var address: String
        /// The sh that runs (and after a reboot re-runs) the node's systemd-nspawn.
        public var supervisor: Int32?
        /// The node's PID 1 when it was last seen (a reboot makes a new one).
        public var leader: Int32?
    }

    public var base: String
    public var nodes: [Node]
    /// CLOCK_REALTIME − CLOCK_BOOTTIME at `up` (BootClock).
    public var hostClockAtUp: Double
    public var clockd: Int32?

    public func save(_ layout: ContainerLabLayout) throws(CoordinatorError) {
        func pid(_ value: Int32?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
        var object: [String: JSONValue] = [
            "base": .string(base), "host_clock_at_up": .number(hostClockAtUp),
            "nodes": .array(nodes.map { .object(["name": .string($0.name), "address": .string($0.address),
                                                 "supervisor": pid($0.supervisor), "leader": pid($0.leader)]) }),
        ]
        if let clockd { object["clockd"] = .integer(Int64(clockd)) }
        do { try AtomicFile.write(JSONValue.object(object).encodedBytes(), to: layout.state) } catch {
            throw CoordinatorError(.lab, "cannot write \(layout.state): \(error)")
        }
    }

    public static func load(_ layout: ContainerLabLayout) -> ContainerLabState? {
        guard let bytes = try? AtomicFile.read(layout.state), let json = try? JSONValue(parsing: bytes),
              let base = json["base"]?.stringValue, let clock = json["host_clock_at_up"]?.doubleValue else { return nil }
        func pid(_ value: JSONValue?) -> Int32? { value?.intValue.flatMap { Int32(exactly: $0) } }
        let nodes = (json["nodes"]?.arrayValue ?? []).compactMap { node -> Node? in
            guard let name = node["name"]?.stringValue, let address = node["address"]?.stringValue else { return nil }
            return Node(name: name, address: address, supervisor: pid(node["supervisor"]), leader: pid(node["leader"]))
        }
        return ContainerLabState(base: base, nodes: nodes, hostClockAtUp: clock, clockd: pid(json["clockd"]))
    }

    public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }
}
