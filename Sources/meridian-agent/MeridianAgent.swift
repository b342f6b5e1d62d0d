import ArgumentParser
import NodeAgent
import SecureTransport
import WireProtocol

@main
struct MeridianAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian-agent",
        abstract: "Meridian's node agent: a TLS server performing a fixed whitelist of time-sync actions.",
        version: MeridianVersion.current)

    @Option(help: "Agent configuration (JSON: node, listen, ca, cert, key). Default: $MERIDIAN_AGENT_CONFIG, else /etc/meridian/agent.json.")
    var config: String?

    @Flag(help: "Log each connection event to stderr.") var verbose = false

    func run() throws {
        ProcessSignals.ignoreSIGPIPE()
        // The environment variable also serves where argv is unreliable: under libfaketime's
        // LD_PRELOAD (the lab's simulated clocks) a Swift binary sees no arguments.
        let path = config ?? ChildProcess.inheritedEnvironment["MERIDIAN_AGENT_CONFIG"] ?? "/etc/meridian/agent.json"
        let configuration: AgentConfiguration
        do { configuration = try AgentConfiguration.load(path: path) } catch {
            Console.error("meridian-agent: \(error)\n")
            throw ExitCode(2)
        }
        let verbose = verbose
        let server: AgentServer
        do {
            server = try AgentServer(configuration: configuration) { message in
                if verbose { Console.error("meridian-agent: \(message)\n") }
            }
        } catch {
            Console.error("meridian-agent: cannot start node \(configuration.node) on \(configuration.listen): \(error)\n")
            throw ExitCode(2)
        }
        Console.error("meridian-agent \(MeridianVersion.current): node \(configuration.node) listening on \(server.localEndpoint)\n")
        server.serve()
    }
}
