import ArgumentParser
import Foundation
import Marginal

/// `marginal aladyn`: ALADYN fitted to an events file and a covariates file.
struct AladynFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aladyn",
        abstract: "Fit the ALADYN disease-trajectory model to an events CSV and a covariates CSV by joint MAP.",
        discussion: """
            EVENTS.csv has columns individual, disease, age, event: one row per individual and \
            disease whose follow-up ends before the last age, at the 0-based age index where it \
            ends, with event 1 for a diagnosis there and 0 for censoring there; a pair without a \
            row is followed through all ages undiagnosed. COVARIATES.csv has individual and one \
            numeric column per covariate, one row per individual (standardized by the model). \
            `marginal simulate aladyn` writes both, with the truth.

            The model is the published one (surbut/aladynoulli2): K disease signatures plus a \
            healthy one, each individual's signature trajectories a Gaussian process around \
            r_k + g_i'gamma_k, the diseases' logits a Gaussian process around the logit prevalence \
            (smoothed from the data) plus psi. The signature references r_k are evenly spaced on \
            [-1, 1], as the published parameter-recovery notebook sets them; the start is the \
            published one from the data alone (spectral clustering of the diseases; --seed).

            Methods: map (centred, --epochs of full-batch Adam with the published learning-rate \
            groups), map-nc (non-centred lambda = m(gamma) + delta, phi = mu + psi + epsilon), \
            map-lbfgs and map-nc-lbfgs (each continued to convergence by L-BFGS), marginal (every \
            individual's trajectories integrated out by the Laplace approximation; phi, psi, gamma \
            and kappa by that marginal likelihood, L-BFGS with exact gradients). Prints the \
            published loss, kappa, gamma-hat and the gradient flow; --json adds psi-hat. JSON keys: \
            method, dimensions, priorWeight, epochs, loss, kappa, covariateNames, diseaseLabels, \
            gamma (P x K, covariate-major), psi ((K+1) x D), iterations, seconds, gradientFlow.
            """)

    @Argument(help: ArgumentHelp("The events file.", valueName: "EVENTS.csv"))
    var events: String

    @Argument(help: ArgumentHelp("The covariates file.", valueName: "COVARIATES.csv"))
    var covariates: String

    @Option(help: "Disease signatures (K; a healthy signature is added).")
    var signatures: Int

    @Option(help: "Yearly ages (T); default one more than the largest age in EVENTS.csv.")
    var ages: Int?

    @Option(help: "The fitting method: map, map-nc (joint MAP by the published Adam, centred or non-centred), map-lbfgs, map-nc-lbfgs (continued to convergence), or marginal (every individual's trajectories integrated out by the Laplace approximation).")
    var method: AladynExample.Method = .map

    @Option(help: "Adam epochs.")
    var epochs = 300

    @Option(name: .customLong("learning-rate"), help: "Adam's learning rate for lambda, gamma and kappa (a tenth of it for phi and psi).")
    var learningRate = 0.1

    @Option(name: .customLong("prior-weight"), help: "The prior weight W (1e-4 as published; 1 is the literal MAP).")
    var priorWeight = 1e-4

    @Option(name: .customLong("lbfgs-evaluations"), help: "Most objective evaluations of an L-BFGS continuation.")
    var lbfgsEvaluations = 1000

    @Option(help: "Seed of the start's random draws.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Do not show progress on stderr.")
    var quiet = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard signatures >= 1 else { throw ValidationError("--signatures must be at least 1; got \(signatures)") }
        if let ages, ages < 2 { throw ValidationError("--ages must be at least 2; got \(ages)") }
        guard epochs >= 0 else { throw ValidationError("--epochs must be non-negative; got \(epochs)") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be positive; got \(learningRate)") }
        guard priorWeight.isFinite, priorWeight > 0 else { throw ValidationError("--prior-weight must be positive; got \(priorWeight)") }
        guard lbfgsEvaluations >= 1 else { throw ValidationError("--lbfgs-evaluations must be at least 1; got \(lbfgsEvaluations)") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [events, covariates])
        let data = try AladynDataSet.read(events: events, covariates: covariates, ages: ages)
        let line = ProgressLine(enabled: !quiet)
        let fit = try AladynDataFit(
            data: data, signatures: signatures, method: method, epochs: epochs, learningRate: learningRate,
            priorWeight: priorWeight, lbfgsEvaluations: lbfgsEvaluations, seed: seed) { line.update($0) }
        line.finish()
        try OutputDestination(path: output).write(json ? try JSONOutput.encode(fit) : fit.text)
    }
}

/// The fitting methods by name, for `--method` and `--methods`.
extension AladynExample.Method: ExpressibleByArgument {}
