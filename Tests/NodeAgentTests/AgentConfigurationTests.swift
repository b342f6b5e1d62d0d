import Testing
import TestSupport
@testable import NodeAgent

struct AgentConfigurationTests {
    static let valid = #"{"node":"pve1","listen":"127.0.0.2:7480","ca":"/c/ca.pem","cert":"/c/pve1.pem","key":"/c/pve1.key"}"#

    @Test func validConfigParsesWithDefaults() throws {
        let config = try AgentConfiguration.parse(Array(Self.valid.utf8), source: "agent.json")
        #expect(config.node == "pve1")
        #expect(try config.endpoint.port == 7480)
        #expect(try config.endpoint.host == "127.0.0.2")
        #expect(config.maxConnections == 256)
        #expect(config.idleTimeoutSeconds == 10)
    }

    @Test func listenWithoutPortUsesDefault() throws {
        let text = Self.valid.replacing("127.0.0.2:7480", with: "::1")
        #expect(try AgentConfiguration.parse(Array(text.utf8), source: "a").endpoint.port == 7480)
    }

    /// Each bad config names what was wrong.
    @Test(arguments: [
        ("", AgentError.Kind.invalidJSON, "not valid JSON"),
        ("[1,2]", .invalidJSON, "JSON object"),
        (#"{"node":"pve1"}"#, .invalidField, "\"listen\""),
        (valid.replacing(#""node":"pve1""#, with: #""node":"""#), .invalidField, "\"node\""),
        (valid.replacing("}", with: #","nodee":"x"}"#), .invalidField, "\"nodee\""),
        (valid.replacing("127.0.0.2:7480", with: "127.0.0.2:99999"), .invalidField, "\"listen\""),
        (valid.replacing("}", with: #","max_connections":0}"#), .invalidField, "max_connections"),
        (valid.replacing(#""node":"pve1""#, with: #""node":7"#), .invalidField, "\"node\""),
    ])
    func badConfigIsAClearError(text: String, kind: AgentError.Kind, expected: String) {
        do {
            _ = try AgentConfiguration.parse(Array(text.utf8), source: "agent.json")
            Issue.record("accepted a bad config: \(text)")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.description.contains("agent.json"), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: AgentError.self) { try AgentConfiguration.load(path: "/nonexistent/meridian/agent.json") }
        do { _ = try AgentConfiguration.load(path: "/nonexistent/meridian/agent.json") } catch {
            #expect(error.kind == .notFound)
            #expect(error.description.contains("/nonexistent/meridian/agent.json"))
        }
    }
}
