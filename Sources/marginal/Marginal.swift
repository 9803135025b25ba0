import ArgumentParser
import Foundation
import Marginal

@main
struct MarginalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marginal",
        abstract: "Hierarchical (mixed-effects) models: exact ML/REML fits, EM, VI and NUTS.",
        subcommands: [FitCommand.self, SampleCommand.self, DescribeCommand.self, SimulateCommand.self, CompareCommand.self, AnovaCommand.self, PredictCommand.self, AladynFitCommand.self, ExampleCommand.self]
    )

    static func main() {
        selectBLASKernel()
        // A closed pipe on standard output is then a write error we report, not a silent death by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // An interrupted write removes its temporary file before the process dies of the signal.
        TemporaryFiles.installSignalHandlers()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
