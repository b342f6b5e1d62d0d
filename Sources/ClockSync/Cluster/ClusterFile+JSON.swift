import JSONCore

/// Reading and writing the cluster file's JSON. Decoding is strict: unknown keys are refused so
/// a typo never falls back to a default silently.
extension ClusterFile {
    public static func parse(json: [UInt8], timezoneExists: (String) -> Bool) throws(ClusterFileError) -> ClusterFile {
        let raw: RawCluster
        do {
            raw = try JSONValueDecoder().decode(RawCluster.self, from: JSONValue(parsing: json))
        } catch let error as ClusterFileError {
            throw error
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw ClusterFileError("(file)", "", "is not valid JSON: \(error)")
        }
        let file = try raw.typed()
        try file.validate(timezoneExists: timezoneExists)
        return file
    }

    /// Pretty, sorted JSON that `parse` reads back, written by JSONCore.
    public func jsonText() -> String { json.prettyText + "\n" }

    /// The cluster file as a JSON value: every field, defaults included, so the file says
    /// what Meridian will do.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "certs_dir": .string(certificateDirectory),
            "name": .string(name),
            "ntp_auth": .string(ntpAuth.rawValue),
            "nodes": .array(nodes.map { .object(["address": .string($0.address.description), "name": .string($0.name.description)]) }),
            "options": .object([
                "firewall": .string(options.firewall.rawValue),
                "manual_time": .bool(options.manualTime),
                "restart_cluster_services": .string(options.restartClusterServices.rawValue),
                "rtc_sync": .bool(options.rtcSync),
            ]),
            "subnets": .array(subnets.map { .string($0.description) }),
            "time_servers": .array(timeServers.map { .string($0.description) }),
            "timezone": .string(timezone.description),
            "tolerance": .object(["max_offset_seconds": .number(maxOffsetSeconds)]),
        ]
        if let lab {
            object["lab"] = .object(["dir": .string(lab.directory), "server_port": .integer(Int64(lab.serverPort))])
        }
        return .object(object)
    }

    static func describe(_ error: DecodingError) -> ClusterFileError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "(file)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ClusterFileError(path(context.codingPath + [key]), "", "is missing")
        case .typeMismatch(let type, let context):
            return ClusterFileError(path(context.codingPath), "", "must be \(type == String.self ? "a string" : "\(type)")")
        case .valueNotFound(_, let context):
            return ClusterFileError(path(context.codingPath), "null", "must have a value")
        case .dataCorrupted(let context):
            return ClusterFileError(path(context.codingPath), "", "is not valid: \(context.debugDescription)")
        @unknown default:
            return ClusterFileError("(file)", "", "\(error)")
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

private func refuseUnknownKeys(_ decoder: any Decoder, _ known: Set<String>, at prefix: String) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys where !known.contains(key.stringValue) {
        let name = key.stringValue.isEmpty ? "\"\"" : key.stringValue  // a key "" still gets a visible path
        throw ClusterFileError(prefix.isEmpty ? name : "\(prefix).\(name)", "",
                               "is not a known field (known: \(known.sorted().joined(separator: ", ")))")
    }
}

private struct RawNode: Decodable {
    var name: String
    var address: String
    init(from decoder: any Decoder) throws {
        let index = decoder.codingPath.last?.intValue ?? 0
        try refuseUnknownKeys(decoder, ["name", "address"], at: "nodes[\(index)]")
        let container = try decoder.container(keyedBy: AnyKey.self)
        name = try container.decode(String.self, forKey: AnyKey(stringValue: "name"))
        address = try container.decode(String.self, forKey: AnyKey(stringValue: "address"))
    }
}

private struct RawTolerance: Decodable {
    var maxOffsetSeconds: Double?
    init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, ["max_offset_seconds"], at: "tolerance")
        maxOffsetSeconds = try decoder.container(keyedBy: AnyKey.self).decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "max_offset_seconds"))
    }
}

private struct RawOptions: Decodable {
    var rtcSync: Bool?, manualTime: Bool?, restart: String?, firewall: String?
    init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, ["rtc_sync", "manual_time", "restart_cluster_services", "firewall"], at: "options")
        let container = try decoder.container(keyedBy: AnyKey.self)
        rtcSync = try container.decodeIfPresent(Bool.self, forKey: AnyKey(stringValue: "rtc_sync"))
        manualTime = try container.decodeIfPresent(Bool.self, forKey: AnyKey(stringValue: "manual_time"))
        restart = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "restart_cluster_services"))
        firewall = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "firewall"))
    }
}

private struct RawLab: Decodable {
    var dir: String
    var serverPort: Int
    init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, ["dir", "server_port"], at: "lab")
        let container = try decoder.container(keyedBy: AnyKey.self)
        dir = try container.decode(String.self, forKey: AnyKey(stringValue: "dir"))
        serverPort = try container.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "server_port")) ?? 11123
    }
}

private struct RawCluster: Decodable {
    var name: String, certsDir: String?, timeServers: [String], subnets: [String], timezone: String
    var tolerance: RawTolerance?, nodes: [RawNode], options: RawOptions?, lab: RawLab?, ntpAuth: String?

    init(from decoder: any Decoder) throws {
        try refuseUnknownKeys(decoder, ["name", "certs_dir", "time_servers", "subnets", "timezone", "tolerance", "nodes", "options", "lab", "ntp_auth"], at: "")
        let c = try decoder.container(keyedBy: AnyKey.self)
        func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
        name = try c.decode(String.self, forKey: key("name"))
        certsDir = try c.decodeIfPresent(String.self, forKey: key("certs_dir"))
        timeServers = try c.decode([String].self, forKey: key("time_servers"))
        subnets = try c.decode([String].self, forKey: key("subnets"))
        timezone = try c.decode(String.self, forKey: key("timezone"))
        tolerance = try c.decodeIfPresent(RawTolerance.self, forKey: key("tolerance"))
        nodes = try c.decode([RawNode].self, forKey: key("nodes"))
        options = try c.decodeIfPresent(RawOptions.self, forKey: key("options"))
        lab = try c.decodeIfPresent(RawLab.self, forKey: key("lab"))
        ntpAuth = try c.decodeIfPresent(String.self, forKey: key("ntp_auth"))
    }

    func typed() throws(ClusterFileError) -> ClusterFile {
        var typedNodes: [ClusterFile.Node] = []
        for (index, node) in nodes.enumerated() {
            guard let name = Hostname(node.name) else {
                throw ClusterFileError("nodes[\(index)].name", node.name, "is not a valid host name (letters, digits, inner hyphens)")
            }
            guard let address = IPAddress(node.address) else {
                throw ClusterFileError("nodes[\(index)].address", node.address, "is not an IP address")
            }
            typedNodes.append(ClusterFile.Node(name: name, address: address))
        }
        var servers: [Hostname] = []
        for (index, server) in timeServers.enumerated() {
            guard let name = Hostname(server) else { throw ClusterFileError("time_servers[\(index)]", server, "is not a valid host name") }
            servers.append(name)
        }
        var cidrs: [CIDR] = []
        for (index, subnet) in subnets.enumerated() {
            guard let cidr = CIDR(subnet) else {
                throw ClusterFileError("subnets[\(index)]", subnet, "is not a subnet in CIDR form with zero host bits, like 192.168.1.0/24")
            }
            cidrs.append(cidr)
        }
        guard let zone = TimezoneName(timezone) else {
            throw ClusterFileError("timezone", timezone, "is not a time zone name like Europe/Berlin or UTC")
        }
        var options = ClusterFile.Options()
        if let raw = self.options {
            options.rtcSync = raw.rtcSync ?? options.rtcSync
            options.manualTime = raw.manualTime ?? options.manualTime
            if let restart = raw.restart {
                guard let policy = ClusterFile.RestartPolicy(rawValue: restart) else {
                    throw ClusterFileError("options.restart_cluster_services", restart, "must be never or rolling")
                }
                options.restartClusterServices = policy
            }
            if let firewall = raw.firewall {
                guard let policy = ClusterFile.FirewallPolicy(rawValue: firewall) else {
                    throw ClusterFileError("options.firewall", firewall, "must be ignore, check or open")
                }
                options.firewall = policy
            }
        }
        var auth = ClusterFile.NTPAuth.off
        if let ntpAuth {
            guard let value = ClusterFile.NTPAuth(rawValue: ntpAuth) else {
                throw ClusterFileError("ntp_auth", ntpAuth, "must be keys or off")
            }
            auth = value
        }
        var file = ClusterFile(name: name, certificateDirectory: certsDir ?? ClusterFile.defaultCertificateDirectory,
                               timeServers: servers, subnets: cidrs, timezone: zone,
                               maxOffsetSeconds: tolerance?.maxOffsetSeconds ?? ClusterFile.defaultMaxOffset,
                               nodes: typedNodes, options: options, ntpAuth: auth)
        if let lab {
            guard lab.dir.hasPrefix("/"), ClusterFile.isSafeText(lab.dir) else {
                throw ClusterFileError("lab.dir", lab.dir, "must be an absolute path without spaces, newlines or #")
            }
            guard (1...65535).contains(lab.serverPort) else {
                throw ClusterFileError("lab.server_port", "\(lab.serverPort)", "must be 1-65535")
            }
            file.lab = ClusterFile.Lab(directory: lab.dir, serverPort: lab.serverPort)
        }
        return file
    }
}
