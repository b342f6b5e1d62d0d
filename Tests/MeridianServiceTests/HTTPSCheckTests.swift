import HostSystem
import JSONCore
@testable import MeridianService
import SecureTransport
import Testing
import TestSupport

/// `meridian check` reads the service over https when serve.json says TLS: in process
/// (`ServiceStatusClient`) and through the real binary, with and without operator auth.
@Suite(.serialized) struct HTTPSCheckTests {
    static func serveConfiguration(_ served: HTTPSFixture, clientAuth: HTTPClientAuth = .none) -> ServeConfiguration {
        var serve = ServeConfiguration()
        serve.httpListen = served.address
        serve.httpTLS = .on
        serve.httpClientAuth = clientAuth
        return serve
    }

    static func status(_ serve: ServeConfiguration, _ client: TLSContext?) async throws -> LoopbackHTTPClient.Response {
        try await DedicatedThread.run(name: "check-test") {
            try ServiceStatusClient.get(serve, path: "/api/v1/status", client: client, serverName: HTTPSFixture.master, timeoutSeconds: 5)
        }
    }

    @Test func theCoordinatorReadsAListenerWithoutClientAuth() async throws {
        try await HTTPSFixture.with { served in
            let reply = try await Self.status(Self.serveConfiguration(served), try TLSContext(served.pki.coordinatorTLS()))
            #expect(reply.status == 200)
            #expect(try JSONValue(parsing: reply.body)["verdict"] == .string("critical"))
        }
    }

    @Test func operatorAuthNeedsAnOperatorCertificate() async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let serve = Self.serveConfiguration(served, clientAuth: .operator)
            let operatorContext = try TLSContext(TLSConfiguration(caPath: served.pki.ca, certificatePath: served.operatorFiles.certificate,
                                                                  keyPath: served.operatorFiles.key, role: .operator))
            #expect(try await Self.status(serve, operatorContext).status == 200)
            await #expect(throws: LoopbackHTTPClient.Failure.self) {
                _ = try await Self.status(serve, try TLSContext(served.pki.coordinatorTLS()))
            }
        }
    }

    /// The server's name is checked: a listener whose certificate names another node is refused.
    @Test func theServerNameIsVerified() async throws {
        try await HTTPSFixture.with { served in
            let serve = Self.serveConfiguration(served)
            let client = try TLSContext(served.pki.coordinatorTLS())
            await #expect {
                _ = try await DedicatedThread.run(name: "check-test") {
                    try ServiceStatusClient.get(serve, path: "/api/v1/status", client: client, serverName: "node2", timeoutSeconds: 5)
                }
            } throws: { error in
                "\(error)".contains("node2")
            }
        }
    }

    @Test(arguments: [("0.0.0.0:9746", "127.0.0.1:9746"), ("[::]:9746", "[::1]:9746"), ("10.1.2.3:9746", "10.1.2.3:9746"),
                      ("[fd00::5]:9746", "[fd00::5]:9746")])
    func aWildcardListenerIsDialledOnLoopback(listen: String, dialled: String) {
        #expect(ServiceStatusClient.dialEndpoint(listen)?.description == dialled)
    }

    // MARK: the binary

    static func files(_ served: HTTPSFixture, clientAuth: HTTPClientAuth) throws -> (cluster: String, serve: String) {
        let nodes = (1...4).map { #"{"name": "node\#($0)", "address": "127.0.0.\#($0 + 1)"}"# }.joined(separator: ", ")
        let cluster = served.directory.path + "/cluster.json"
        try AtomicFile.write(Array(#"""
            {"name": "lab", "certs_dir": "\#(served.pki.path)", "time_servers": ["node1"], "subnets": ["127.0.0.0/8"],
             "timezone": "UTC", "nodes": [\#(nodes)]}
            """#.utf8), to: cluster)
        let serve = served.directory.path + "/serve.json"
        try AtomicFile.write(Array(#"""
            {"http_listen": "\#(served.address)", "http_tls": "on", "http_client_auth": "\#(clientAuth.rawValue)",
             "state_dir": "\#(served.directory.path)/state"}
            """#.utf8), to: serve)
        return (cluster, serve)
    }

    static func check(_ files: (cluster: String, serve: String), _ extra: [String] = []) async throws -> CommandResult {
        let argv = [AgentProcess.meridianBinary, "check", "-v", "--cluster", files.cluster, "--config", files.serve] + extra
        return try await DedicatedThread.run(name: "check") { try ChildProcess.run(argv, timeout: .seconds(60)) }
    }

    /// Read from the service, the check sees the fixture's node3 2.5 s fast; a survey of its own
    /// would find no agent at all.
    @Test func theBinaryReadsTheServiceOverHTTPS() async throws {
        try await HTTPSFixture.with { served in
            let result = try await Self.check(try Self.files(served, clientAuth: .none))
            #expect(result.status == 2 && result.stdout.hasPrefix("MERIDIAN CRITICAL - node3 2.500 s fast of node1"), "\(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("read the service on https://\(served.address)"), "\(result.stderr)")
        }
    }

    @Test func anOperatorCertificateWithoutItsKeyIsAUsageError() async throws {
        let result = try await DedicatedThread.run(name: "check") {
            try ChildProcess.run([AgentProcess.meridianBinary, "check", "--operator-cert", "/tmp/ops.pem"], timeout: .seconds(30))
        }
        #expect(result.status == 64 && result.stderr.contains("--operator-cert and --operator-key go together"), "\(result.stderr)")
    }

    @Test func theBinaryUsesAnOperatorCertificateOrSurveysItself() async throws {
        try await HTTPSFixture.with(clientAuth: .operator) { served in
            let files = try Self.files(served, clientAuth: .operator)
            let withCertificate = try await Self.check(files, ["--operator-cert", served.readOnlyFiles.certificate,
                                                               "--operator-key", served.readOnlyFiles.key])
            #expect(withCertificate.stdout.hasPrefix("MERIDIAN CRITICAL - node3 2.500 s fast of node1"), "\(withCertificate.stdout) \(withCertificate.stderr)")
            let without = try await Self.check(files)
            #expect(!without.stdout.contains("2.500 s fast"), "\(without.stdout)")
            #expect(without.stderr.contains("give --operator-cert and --operator-key"), "\(without.stderr)")
            #expect(without.stderr.contains("surveying the cluster"), "\(without.stderr)")
            let revoked = try await Self.check(files, ["--operator-cert", served.revokedFiles.certificate, "--operator-key", served.revokedFiles.key])
            #expect(!revoked.stdout.contains("2.500 s fast") && revoked.stderr.contains("did not answer"), "\(revoked.stdout) \(revoked.stderr)")
        }
    }
}
