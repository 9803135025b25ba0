import ArgumentParser
import Foundation
import Marginal

/// `marginal simulate fit`: responses simulated from a mixed model saved by
/// `marginal fit --json`, as lme4's `simulate` (see ``Predictor/simulate(_:options:simulations:seed:useModes:)``).
struct SimulateFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Simulate responses from a saved fit (linear, binomial, Poisson, negative binomial or Gamma), as lme4's simulate().",
        discussion: """
            Reads the fit's data file (it must be unchanged since the fit) or --data, and writes \
            CSV: the data row, then one column per simulation, sim_1 … sim_N. Each simulation \
            draws new random effects from the fitted covariances (lme4's default) or, with \
            --use-modes, keeps the conditional modes (use.u = TRUE); then N(0, σ̂²) noise for a \
            linear model, or a draw from the fitted family at the mean: a Poisson count, a negative \
            binomial count with the fitted shape, a Gamma deviate with the fitted dispersion (and \
            the fit's --weights), a binomial count of successes out of the trials of cbind(s, f), \
            or with --weights giving the trials the proportion of successes (as R's \
            binomial()$simulate), or 0/1. The same --seed gives the same responses.

            Example:
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ Days + (Days | Subject)' --json -o fit.json
              marginal simulate fit fit.json --nsim 100 --seed 3 -o sims.csv
            """)

    @Argument(help: ArgumentHelp("A fit saved by `marginal fit --json -o`.", valueName: "FIT.json"))
    var fit: String

    @Option(help: ArgumentHelp("Simulate for these rows instead of the fit's data (same columns).", valueName: "DATA.csv"))
    var data: String?

    @Option(help: "Number of simulated responses.")
    var nsim = 1

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 1

    @Flag(name: .customLong("use-modes"), help: "Keep the conditional modes of the random effects instead of drawing new ones.")
    var useModes = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the CSV to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard nsim >= 1, nsim <= 100_000 else { throw ValidationError("--nsim must be between 1 and 100000; got \(nsim)") }
    }

    func run() throws {
        let saved = try PredictCommand.load(fit)
        guard let source = saved.model else { throw CommandError(description: "\(fit) has no 'model'") }
        let path = data ?? source.data
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [fit, path])
        if data == nil, ModelSource.fingerprint(of: try CSVReader.fileBytes(path: path)) != source.dataFingerprint {
            throw CommandError(description: "\(path) has changed since the fit; give the rows to simulate for with --data")
        }
        let (frame, options) = try PredictCommand.read(path, source: source)
        let (rows, responses) = try Predictor(saved).simulate(frame, options: options, simulations: nsim, seed: seed, useModes: useModes)
        var lines = [(["row"] + (1...nsim).map { "sim_\($0)" }).joined(separator: ",")]
        for (i, row) in rows.enumerated() {
            lines.append(([String(row)] + responses.map { "\($0[i])" }).joined(separator: ","))
        }
        try OutputDestination(path: output).write(lines.joined(separator: "\n"))
    }
}
