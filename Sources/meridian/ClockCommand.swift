import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import SecureTransport

struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock", abstract: "Set the cluster's time on its time servers.", subcommands: [Set.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the time servers' clock through chrony's manual input; clients follow.",
            discussion: "Examples: meridian clock set \"2025-03-23 14:30:00 +07:00\"   meridian clock set --from-here")

        @OptionGroup var options: ClusterOptions
        @Argument(help: "The time, with its UTC offset: \"YYYY-MM-DD HH:MM:SS ±HH:MM\".") var time: String?
        @Flag(help: "Use this machine's clock (corrected for the network delay).") var fromHere = false
        @Flag(help: "Allow a jump of more than 10 minutes.") var force = false
        @Flag(help: "Print JSON: per time server node, step_seconds, detail, failed.") var json = false

        func validate() throws {
            guard (time != nil) != fromHere else { throw ValidationError("give either a TIME or --from-here") }
        }

        func run() async throws {
            let (cluster, context, path) = try options.load()
            let target: ClockSet.Target
            if let time {
                do { target = .absolute(try CivilTime.parseAdminTime(time)) } catch { throw fail("\(error)", code: ExitCode(64)) }
            } else {
                target = .here
            }
            let lock = try ApplyLockGate.take(beside: path, action: "clock set")
            defer { lock.release() }
            let outcomes: [ClockSet.Outcome]
            do { outcomes = try await ClockSet.run(cluster, context: context, target: target, force: force) } catch {
                throw fail("\(error)", code: ExitStatus.critical)
            }
            if json { print(JSONText.encode(outcomes)) }
            for outcome in outcomes where !json {
                let step = outcome.stepSeconds.map { " (step \(Durations.offset($0)))" } ?? ""
                say("\(outcome.node): \(outcome.failed ? "FAILED: " : "")\(outcome.detail)\(step)")
            }
            if outcomes.contains(where: \.failed) { throw ExitStatus.critical }
        }
    }
}
