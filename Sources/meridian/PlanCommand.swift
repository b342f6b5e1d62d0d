import ArgumentParser
import Coordinator

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what `meridian apply` would change on each node. Changes nothing.")

    @OptionGroup var options: ClusterOptions
    @Flag(help: "Print JSON: per node name, role, reachable, chrony_diff, timezone_change, actions, error.") var json = false

    func run() async throws {
        let (cluster, context, _) = try options.load()
        let survey = await Survey.run(cluster, context: context)
        let entries = Plan.build(cluster, from: survey)
        print(json ? JSONText.encode(entries) : Plan.render(entries))
        if survey.contains(where: { !$0.reachable }) { throw ExitStatus.critical }
    }
}
