import HostSystem
import NodeAgent
import SecureTransport
import WireProtocol

/// `meridian-agent [--config FILE] [--verbose]`. Parsed by hand: the agent stays small (no
/// argument-parser, which pulls all of Foundation into the static binary and ~4 MB into RSS).
@main
struct MeridianAgent {
    static let usage = """
        usage: meridian-agent [--config FILE] [--verbose] [--version] [--help]
               meridian-agent csr --node NAME --address IP --key FILE [--renew]

        Meridian's node agent: a TLS server performing a fixed whitelist of time-sync actions.
          --config FILE   agent configuration (JSON: node, listen, ca, cert, key);
                          default $MERIDIAN_AGENT_CONFIG, else /etc/meridian/agent.json
          --verbose       log each connection event to stderr
          --version       print the version and exit

        csr: make this node's private key (kept if FILE exists, unless --renew) and print a
        certificate request for the coordinator to sign (meridian deploy does this).

        """

    static func main() {
        var arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "csr" {
            arguments.removeFirst()
            certificateRequest(arguments)
            return
        }
        var config: String?
        var verbose = false
        while let argument = arguments.popFirst() {
            switch argument {
            case "--config":
                guard let value = arguments.popFirst() else { exit(usageError: "--config needs a file") }
                config = value
            case _ where argument.hasPrefix("--config="):
                config = String(argument.dropFirst("--config=".count))
            case "--verbose", "-v":
                verbose = true
            case "--version":
                print(MeridianVersion.current)
                return
            case "--help", "-h":
                print(usage, terminator: "")
                return
            default:
                exit(usageError: "unknown argument \"\(argument)\"")
            }
        }
        ProcessSignals.ignoreSIGPIPE()
        ServiceManager.blockTerminationSignals()
        // The environment variable also serves where argv is unreliable: under libfaketime's
        // LD_PRELOAD (the lab's simulated clocks) a Swift binary sees no arguments.
        let path = config ?? ChildProcess.inheritedEnvironment["MERIDIAN_AGENT_CONFIG"] ?? "/etc/meridian/agent.json"
        let configuration: AgentConfiguration
        do { configuration = try AgentConfiguration.load(path: path) } catch {
            Console.error("meridian-agent: \(error)\n")
            ProcessExit.now(2)
        }
        let logEvents = verbose
        let server: AgentServer
        do {
            server = try AgentServer(configuration: configuration) { message in
                if logEvents { Console.error("meridian-agent: \(message)\n") }
            }
        } catch {
            Console.error("meridian-agent: cannot start node \(configuration.node) on \(configuration.listen): \(error)\n")
            ProcessExit.now(2)
        }
        // SIGTERM (systemctl stop): stop accepting, let the action in flight finish (files are
        // replaced atomically, so even a kill leaves no half-written file), then exit.
        do {
            try ServiceManager.onTermination { signal in
                Console.error("meridian-agent: signal \(signal), stopping\n")
                ServiceManager.notify("STOPPING=1")
                server.stop()
            }
        } catch {
            Console.error("meridian-agent: \(error)\n")
            ProcessExit.now(2)
        }
        Console.error("meridian-agent \(MeridianVersion.current): node \(configuration.node) listening on \(server.localEndpoint)\n")
        ServiceManager.notify("READY=1\nSTATUS=serving node \(configuration.node) on \(server.localEndpoint)")
        server.serve()
        let deadline = ContinuousClock.now + .seconds(30)
        while server.activeConnections > 0 && ContinuousClock.now < deadline { ChildProcess.sleep(.milliseconds(50)) }
        Console.error("meridian-agent: stopped\n")
    }

    static func certificateRequest(_ arguments: ArraySlice<String>) {
        var arguments = arguments
        var values: [String: String] = [:]
        var renew = false
        while let argument = arguments.popFirst() {
            switch argument {
            case "--node", "--address", "--key":
                guard let value = arguments.popFirst() else { exit(usageError: "\(argument) needs a value") }
                values[argument] = value
            case "--renew": renew = true
            default: exit(usageError: "unknown csr argument \"\(argument)\"")
            }
        }
        guard let node = values["--node"], let address = values["--address"], let key = values["--key"] else {
            exit(usageError: "csr needs --node, --address and --key")
        }
        do {
            print(try PKI.createAgentRequest(node: node, address: address, keyPath: key, renew: renew), terminator: "")
        } catch {
            Console.error("meridian-agent: \(error)\n")
            ProcessExit.now(2)
        }
    }

    static func exit(usageError: String) -> Never {
        Console.error("meridian-agent: \(usageError)\n\(usage)")
        ProcessExit.now(64)
    }
}
