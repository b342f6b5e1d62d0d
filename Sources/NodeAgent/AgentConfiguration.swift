import ClockSync
import HostSystem
import JSONCore
import RPCServer
import SecureTransport
import WireProtocol

/// `meridian-agent --config FILE`: what the agent is, where it listens, which credentials it uses.
/// Unknown keys are rejected so that a typo never silently falls back to a default.
public struct AgentConfiguration: Sendable, Equatable {
    public var node: String
    public var listen: String
    public var caPath: String
    public var certificatePath: String
    public var keyPath: String
    /// Authenticated connections served at once; one more completes its handshake, is answered
    /// -32005 "busy" and closed.
    public var maxConnections: Int = 256
    /// Connections accepted but not yet authenticated (TLS handshake in progress), counted apart
    /// from `maxConnections` so that unauthenticated sockets can never take an authenticated
    /// peer's slot. When full, the oldest of them is cut off to make room for the newest.
    public var maxHandshakes: Int = 64
    /// Unauthenticated connections from one source address; a new one past it cuts off that
    /// address's oldest handshake (one flooding address cannot fill `maxHandshakes`).
    public var maxHandshakesPerSource: Int = 8
    /// Bytes the agent may hold for frames in flight, across all connections, counting the cost
    /// of parsing (see `FrameBudget`). A frame beyond it waits briefly, then is skipped and
    /// answered -32005 "busy"; the connection stays open.
    public var maxBufferedBytes: Int = 16 << 20
    /// A connection that sends no complete frame for this long is dropped.
    public var idleTimeoutSeconds: Double = 10
    public var handshakeTimeoutSeconds: Double = 5
    public var maxFrameBytes: Int = 1 << 20
    /// Prefix for every file the agent manages ("" on a real node; the lab gives each node its own).
    public var root: String = ""
    /// The commands behind the actions (argv, never a shell); Debian/Proxmox defaults.
    public var commands = AgentCommands()
    /// How long `chrony.apply` may wait for chrony to serve or select a source, at most.
    public var syncTimeoutSeconds: Double = 60
    /// The cluster's revocation list; coordinators whose certificate is on it are refused.
    public var crlPath: String?

    // chrony.conf's node-local part (AgentConfiguration+Chrony.swift).
    /// Files and lab settings the agent renders chrony.conf with; never taken from a request.
    public var chrony = ChronyLocalSettings()

    public init(node: String, listen: String, caPath: String, certificatePath: String, keyPath: String) {
        self.node = node; self.listen = listen; self.caPath = caPath
        self.certificatePath = certificatePath; self.keyPath = keyPath
    }

    public var endpoint: Endpoint {
        get throws(AgentError) {
            do { return try Endpoint(parsing: listen, defaultPort: 7480, allowPortZero: true) } catch {
                throw AgentError(.invalidField, "field \"listen\": \(error.detail)")
            }
        }
    }

    /// The server bounds of this config (see `RPCServerLimits`).
    public var serverLimits: RPCServerLimits {
        RPCServerLimits(maxConnections: maxConnections, maxHandshakes: maxHandshakes, maxHandshakesPerSource: maxHandshakesPerSource,
                        maxBufferedBytes: maxBufferedBytes, idleTimeoutSeconds: idleTimeoutSeconds,
                        handshakeTimeoutSeconds: handshakeTimeoutSeconds, maxFrameBytes: maxFrameBytes)
    }

    public var tlsConfiguration: TLSConfiguration {
        TLSConfiguration(caPath: caPath, certificatePath: certificatePath, keyPath: keyPath, role: .agent, crlPath: crlPath)
    }
}

extension AgentConfiguration: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case node, listen, ca, cert, key
        case maxConnections = "max_connections"
        case maxHandshakes = "max_handshakes"
        case maxHandshakesPerSource = "max_handshakes_per_source"
        case maxBufferedBytes = "max_buffered_bytes"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case handshakeTimeoutSeconds = "handshake_timeout_seconds"
        case maxFrameBytes = "max_frame_bytes"
        case root
        case commands
        case syncTimeoutSeconds = "sync_timeout_seconds"
        case crl
        case chrony
    }

    struct AnyKey: CodingKey {
        var stringValue: String; var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let all = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
        if let unknown = all.first(where: { !known.contains($0) }) {
            throw AgentError(.invalidField, "unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String {
            let value = try c.decode(String.self, forKey: key)
            guard !value.isEmpty else { throw AgentError(.invalidField, "field \"\(key.rawValue)\" must not be empty") }
            return value
        }
        self.init(node: try text(.node), listen: try text(.listen), caPath: try text(.ca),
                  certificatePath: try text(.cert), keyPath: try text(.key))
        func bounded<T: Decodable & Comparable>(_ key: CodingKeys, _ range: ClosedRange<T>, _ fallback: T) throws -> T {
            guard let value = try c.decodeIfPresent(T.self, forKey: key) else { return fallback }
            guard range.contains(value) else {
                throw AgentError(.invalidField, "field \"\(key.rawValue)\" must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
            }
            return value
        }
        maxConnections = try bounded(.maxConnections, 1...10_000, 256)
        maxHandshakes = try bounded(.maxHandshakes, 1...10_000, 64)
        maxHandshakesPerSource = try bounded(.maxHandshakesPerSource, 1...10_000, 8)
        maxBufferedBytes = try bounded(.maxBufferedBytes, (64 << 10)...(4 << 30), 16 << 20)
        idleTimeoutSeconds = try bounded(.idleTimeoutSeconds, 0.1...3600, 10)
        handshakeTimeoutSeconds = try bounded(.handshakeTimeoutSeconds, 0.1...600, 5)
        maxFrameBytes = try bounded(.maxFrameBytes, 1024...(64 << 20), 1 << 20)
        syncTimeoutSeconds = try bounded(.syncTimeoutSeconds, 1...3600, 60)
        root = try c.decodeIfPresent(String.self, forKey: .root) ?? ""
        guard root.isEmpty || root.hasPrefix("/") else { throw AgentError(.invalidField, "field \"root\" must be an absolute path, found \"\(root)\"") }
        commands = try c.decodeIfPresent(AgentCommands.self, forKey: .commands) ?? AgentCommands()
        crlPath = try c.decodeIfPresent(String.self, forKey: .crl)
        chrony = try (c.decodeIfPresent(ChronySettingsConfig.self, forKey: .chrony) ?? ChronySettingsConfig()).settings(root: root)
    }

    /// Reads and validates the JSON config file; every error names the file and the field.
    public static func load(path: String) throws(AgentError) -> AgentConfiguration {
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(path, limit: 1 << 20) } catch {
            throw AgentError(.io, "cannot read config \(path): \(error)")
        }
        guard let bytes else { throw AgentError(.notFound, "config \(path) does not exist") }
        return try parse(bytes, source: path)
    }

    public static func parse(_ bytes: [UInt8], source: String) throws(AgentError) -> AgentConfiguration {
        let config: AgentConfiguration
        do {
            let json = try JSONValue(parsing: bytes)
            config = try JSONValueDecoder().decode(AgentConfiguration.self, from: json)
        } catch let error as AgentError {
            throw AgentError(error.kind, "config \(source): \(error.detail)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw AgentError(.invalidField, "config \(source): missing field \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw AgentError(.invalidJSON, "config \(source): expected a JSON object")
        } catch let DecodingError.typeMismatch(type, context) {
            throw AgentError(.invalidField, "config \(source): field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be \(RPCCodec.expectation(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw AgentError(.invalidField, "config \(source): field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be \(RPCCodec.expectation(type)), found null")
        } catch let error as JSONValue.SyntaxError {
            throw AgentError(.invalidJSON, "config \(source): not valid JSON (\(error))")
        } catch {
            throw AgentError(.invalidJSON, "config \(source): \(error)")
        }
        do { _ = try config.endpoint } catch { throw AgentError(error.kind, "config \(source): \(error.detail)") }
        return config
    }
}
