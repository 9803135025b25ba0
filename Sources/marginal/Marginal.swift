import ArgumentParser
import Marginal

@main
struct MarginalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marginal",
        abstract: "Hierarchical (mixed-effects) models: exact ML/REML fits, EM, VI and NUTS.",
        subcommands: [FitCommand.self, SampleCommand.self, DescribeCommand.self, SimulateCommand.self, ExampleCommand.self]
    )

    static func main() {
        selectBLASKernel()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
