import ClockSync

/// The names the PKI puts into certificates, checked with the cluster model's own rules
/// (`Hostname` in ClockSync) so a name the PKI accepts is one the cluster file accepts.
enum Naming {
    static func checkNodeName(_ name: String) throws(TransportError) {
        guard Hostname(name) != nil else {
            throw TransportError(.pki, "\"\(name)\" is not a valid node name (letters, digits and hyphens, like pve1)")
        }
    }

    static func checkClusterName(_ name: String) throws(TransportError) {
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw TransportError(.pki, "cluster name \"\(name)\" must be 1-64 printable characters")
        }
    }
}
