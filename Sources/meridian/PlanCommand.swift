import ArgumentParser
import Coordinator

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what `meridian apply` would change on each node. Changes nothing.")

    @OptionGroup var options: ClusterOptions
    @Flag(help: "Print JSON: per node name, role, reachable, chrony_diff, timezone_change, actions, error.") var json = false

    func run() async throws {
        let (cluster, context, _) = try options.load()
        let entries = Plan.build(cluster, from: await Plan.survey(cluster, context: context))
        print(json ? JSONText.encode(entries) : Plan.render(entries))
        // An unreachable node or one whose chrony.conf cannot be planned: a plan with holes.
        if entries.contains(where: { $0.error != nil }) { throw ExitStatus.critical }
    }
}
