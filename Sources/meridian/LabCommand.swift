import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import SecureTransport

struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "A local lab: N simulated nodes on loopback, each a real chronyd (-x) and a real agent on a libfaketime clock.",
        subcommands: [Up.self, Down.self, Status.self, Exec.self, Step.self, RestartChrony.self, SetClock.self, Corosync.self, Clockd.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the lab and write DIR/cluster.json.")
        @Option(parsing: .unconditional, help: "Number of nodes (1...200; node1 = 127.0.0.2, …).") var nodes = 3
        @Option(parsing: .unconditional, help: "How many of them are time servers (1...3; more than one: orphan mode).") var servers = 1
        @Option(name: .customLong("skew"), help: "NODE=±SECONDS: start that node's clock off by this much (repeatable).") var skews: [String] = []
        @Option(help: "Lab directory.") var dir = Lab.defaultDirectory
        @Option(help: "Timezone the cluster file asks for (the nodes start at Etc/UTC).") var timezone = "Asia/Jakarta"
        @Option(help: "loopback (processes on 127.0.0.0/8) or container (real Debian nodes under systemd-nspawn; root).") var kind = LabKind.loopback
        @Option(help: "container kind: the .deb that DIR/deploy.json installs.") var package: String?
        @Option(name: .customLong("ceph-mons"), parsing: .unconditional,
                help: "container kind: real Ceph monitors on the first K nodes (0 for none; default: 3, or --nodes when fewer).") var cephMonitors: Int?

        func validate() throws {
            try OptionRange.check(nodes, "--nodes", 1...200)
            try OptionRange.check(servers, "--servers", 1...min(3, max(1, nodes)))
            _ = try parsedSkews()
        }

        func parsedSkews() throws -> [String: Double] {
            var parsed: [String: Double] = [:]
            for skew in skews {
                let parts = skew.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let seconds = Double(parts[1]) else {
                    throw ValidationError("--skew \"\(skew)\": expected NODE=±SECONDS, like node2=+2.5")
                }
                try OptionRange.check(seconds, "--skew \(parts[0])", OptionRange.labSeconds)
                parsed[String(parts[0])] = seconds
            }
            return parsed
        }

        func run() async throws {
            if kind == .container { return try await upContainers() }
            var request = Lab.Request(directory: dir, meridianBinary: Executables.meridian, agentBinary: Executables.agent)
            request.nodes = nodes
            request.servers = servers
            request.timezone = timezone
            request.skews = try parsedSkews()
            let requestCopy = request
            do {
                _ = try await DedicatedThread.run(name: "lab-up") {
                    try Lab.up(requestCopy) { note($0) }
                }
            } catch { throw fail("\(error)", code: ExitCode(2)) }
            print("export MERIDIAN_CLUSTER=\(LabLayout(directory: dir).clusterFile)")
        }

        func upContainers() async throws {
            let directory = dir == Lab.defaultDirectory ? ContainerLab.defaultDirectory : dir
            let skewed = try parsedSkews()
            let (nodes, servers, timezone, package, skewed_) = (nodes, servers, timezone, package, skewed)
            let cephMonitors = cephMonitors ?? min(3, nodes)
            do {
                _ = try await DedicatedThread.run(name: "lab-up") {
                    let log: (String) -> Void = { Console.error("meridian: \($0)\n") }
                    var request = ContainerLab.Request(directory: directory, base: try ContainerBaseImage.locate(meridianBinary: Executables.meridian, log: log),
                                                       meridianBinary: Executables.meridian, agentBinary: Executables.agent)
                    request.nodes = nodes
                    request.servers = servers
                    request.timezone = timezone
                    request.skews = skewed_
                    request.package = package
                    request.cephMonitors = cephMonitors
                    return try ContainerLab.up(request, log: log)
                }
            } catch { throw fail("\(error)", code: ExitCode(2)) }
            let layout = ContainerLabLayout(directory: directory)
            print("export MERIDIAN_CLUSTER=\(layout.clusterFile)")
            print("# deploy: ip netns exec \(ContainerLabLayout.coordinatorNamespace) meridian deploy --settings \(layout.deploySettings)")
        }
    }

    enum LabKind: String, ExpressibleByArgument, Sendable { case loopback, container }

    /// The container lab in DIR, if DIR holds one (or `--kind container` without `--dir`).
    static func containerLayout(dir: String, kind: LabKind?) -> ContainerLabLayout? {
        let directory = kind == .container && dir == Lab.defaultDirectory ? ContainerLab.defaultDirectory : dir
        let layout = ContainerLabLayout(directory: directory)
        return kind == .container || AtomicFile.exists(layout.state) ? layout : nil
    }

    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a command inside a container lab node (exit code passed through).")
        @Option(help: "Lab directory.") var dir = ContainerLab.defaultDirectory
        @Argument(help: "Node name.") var node: String
        @Argument(parsing: .captureForPassthrough, help: "-- COMMAND [ARG...]") var command: [String] = []
        func run() async throws {
            let words = command.first == "--" ? Array(command.dropFirst()) : command
            let (dir, node) = (dir, node)
            let result: CommandResult
            do {
                result = try await DedicatedThread.run(name: "lab-exec") { try ContainerLab.exec(ContainerLabLayout(directory: dir), node: node, words) }
            } catch { throw fail("\(error)", code: ExitCode(125)) }
            print(result.stdout, terminator: "")
            Console.error(result.stderr)
            if result.timedOut { throw fail("\(node): \(words.joined(separator: " ")) timed out", code: ExitCode(124)) }
            if result.status != 0 { throw ExitCode(result.status) }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop everything the lab started.")
        @Option(help: "Lab directory.") var dir = Lab.defaultDirectory
        @Option(help: "loopback or container (default: what DIR holds).") var kind: LabKind?
        func run() async throws {
            if let layout = LabCommand.containerLayout(dir: dir, kind: kind) {
                do {
                    let report = try await DedicatedThread.run(name: "lab-down") { try ContainerLab.down(layout) }
                    print(report.removed.isEmpty ? "nothing was running in \(layout.directory)" : "stopped and removed: \(report.removed.joined(separator: ", "))")
                    if let moved = report.hostClockMoved { print("host clock: moved \(Durations.offset(moved)) while the lab ran (CLOCK_REALTIME − CLOCK_BOOTTIME)") }
                } catch { throw fail("\(error)", code: ExitCode(2)) }
                return
            }
            let stopped = try await DedicatedThread.run(name: "lab-down") { Lab.down(LabLayout(directory: dir)) }
            print(stopped.isEmpty ? "nothing was running in \(dir)" : "stopped: \(stopped.joined(separator: ", "))")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what the lab runs and each node's simulated clock.")
        @Option(help: "Lab directory.") var dir = Lab.defaultDirectory
        @Option(help: "loopback or container (default: what DIR holds).") var kind: LabKind?
        func run() throws {
            if let layout = LabCommand.containerLayout(dir: dir, kind: kind) {
                guard let status = ContainerLab.status(layout) else {
                    throw fail("no container lab in \(layout.directory) (start one with `meridian lab up --kind container`)", code: ExitStatus.unknown)
                }
                var rows = [["NODE", "ADDRESS", "SYSTEMD"] + ContainerLab.watchedUnits.map { String($0.split(separator: ".").first ?? Substring($0)).uppercased() }
                            + ["CEPH-MON", "CLOCK"]]
                for node in status.nodes {
                    rows.append([node.node, node.address, node.system] + node.units.map(\.state) + [node.cephMonitor ?? "-", Durations.offset(node.offsetSeconds)])
                }
                print(TextTable.render(rows))
                print("clock loop: \(status.clockd.map { "pid \($0)" } ?? "stopped"); host clock moved \(Durations.offset(status.hostClockMoved)) since up")
                return
            }
            guard let status = Lab.status(LabLayout(directory: dir)) else {
                throw fail("no lab in \(dir) (start one with `meridian lab up`)", code: ExitStatus.unknown)
            }
            var rows = [["NODE", "CHRONYD", "AGENT", "CLOCK"]]
            for node in status.nodes {
                rows.append([node.node, node.chronyd.map { "pid \($0)" } ?? "stopped", node.agent.map { "pid \($0)" } ?? "stopped",
                             Durations.offset(node.offsetSeconds)])
            }
            print(TextTable.render(rows))
            print("clock loop: \(status.clockd.map { "pid \($0)" } ?? "stopped")")
        }
    }

    struct Step: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Step a node's simulated clock by ±SECONDS.")
        @Option(help: "Lab directory.") var dir = Lab.defaultDirectory
        @Argument(help: "Node name.") var node: String
        /// Collected as unrecognised input so a negative step (`-0.3`) is a value, not a flag.
        @Argument(parsing: .allUnrecognized, help: "Seconds (e.g. +2.5 or -0.3; at most a day either way).") var seconds: [String] = []

        func validate() throws { _ = try step() }

        func step() throws -> Double {
            guard seconds.count == 1, let value = Double(seconds[0]) else {
                throw ValidationError("give one step in seconds, like +2.5 or -0.3, got \(seconds.joined(separator: " "))")
            }
            try OptionRange.check(value, "SECONDS", OptionRange.labSeconds)
            return value
        }

        func run() throws {
            let step = try step()
            if let layout = LabCommand.containerLayout(dir: dir, kind: nil) {
                do { try ContainerClock.step(layout, node: node, by: step) } catch { throw fail("\(error)") }
                return
            }
            do { try LabClock.step(LabLayout(directory: dir), node: node, by: step) } catch { throw fail("\(error)") }
        }
    }

    /// What a lab agent runs for `restart_chrony` (not for people).
    struct RestartChrony: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restart-chrony", shouldDisplay: false)
        @Option var dir: String
        @Option var node: String
        func run() throws {
            do { try LabProcesses.restartChronyd(LabLayout(directory: dir), node: node,
                                                timestampShim: LabLayout.timestampShim(besideExecutable: Executables.meridian)) } catch { throw fail("\(error)", code: ExitCode(1)) }
        }
    }

    /// What a lab agent runs for `set_clock` (not for people): the time comes as chronyc's text.
    struct SetClock: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-clock", shouldDisplay: false)
        @Option var dir: String
        @Option var node: String
        @Argument(parsing: .remaining) var time: [String]
        func run() throws {
            do { try LabClock.set(LabLayout(directory: dir), node: node, toUTC: time.joined(separator: " ")) } catch { throw fail("\(error)", code: ExitCode(1)) }
        }
    }

    /// The lab's simulated corosync: what lab agents run for `restart_corosync` and
    /// `quorum_status`, and `break NODE` to make one node's quorum never come back.
    struct Corosync: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "corosync", shouldDisplay: false)
        @Argument(help: "restart | status | break | break-on-restart") var action: String
        @Option var dir: String
        @Option var node: String
        func run() throws {
            let layout = LabLayout(directory: dir)
            do {
                switch action {
                case "restart": try LabCorosync.restart(layout, node: node)
                case "break": try LabCorosync.breakNode(layout, node: node)
                case "break-on-restart": try LabCorosync.breakOnRestart(layout, node: node)
                case "status":
                    let status = LabCorosync.status(layout, node: node)
                    print(status.text, terminator: "")  // what an agent parses, not for a terminal
                    if !status.quorate { throw ExitCode(2) }
                default: throw ValidationError("action must be restart, status, break or break-on-restart")
                }
            } catch let error as CoordinatorError { throw fail("\(error)", code: ExitCode(1)) }
        }
    }

    /// The lab's clock loop (started by `lab up`, stopped by `lab down`).
    struct Clockd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clockd", shouldDisplay: false)
        @Option var dir: String
        @Option var kind = LabKind.loopback
        func run() async throws {
            if kind == .container {
                let layout = ContainerLabLayout(directory: dir)
                let _: Void = try await DedicatedThread.run(name: "lab-clock") { ContainerClock.discipline(layout) }
            }
            let layout = LabLayout(directory: dir)
            let nodes = LabState.load(layout)?.nodes ?? AtomicFile.list(dir + "/nodes")
            let _: Void = try await DedicatedThread.run(name: "lab-clock") { LabClock.discipline(layout, nodes: nodes) }
        }
    }
}
