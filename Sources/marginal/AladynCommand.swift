import ArgumentParser
import Foundation
import Marginal

/// `marginal example aladyn`.
struct AladynCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aladyn",
        abstract: "ALADYN disease trajectories: joint MAP centred and non-centred, and the marginal method, against the truth.",
        discussion: """
            Simulates N individuals' diagnoses of D diseases over T yearly ages from the ALADYN model \
            (K disease signatures plus a healthy one, P covariates whose effects gamma set each \
            signature's prior mean; the published parameter-recovery notebook's process), initializes \
            from the data alone as the published code does, and fits by joint MAP: map (centred, 300 \
            epochs of Adam with the published learning-rate groups), map-nc (non-centred), both \
            continued to convergence by L-BFGS (map-lbfgs, map-nc-lbfgs), and by the marginal method \
            (marginal: each individual's trajectories integrated out by the Laplace approximation, \
            phi, psi, gamma and kappa maximizing that marginal likelihood by L-BFGS with exact \
            gradients, at most --lbfgs-evaluations evaluations). Prints, per method and seed, \
            gamma-hat against the truth (correlation, OLS slope, both after removing each covariate's \
            mean over signatures), mean |gamma-hat|, RMSE, psi and phi correlations, kappa, the \
            published loss, the held-out NLL and 10-year-risk AUC of new individuals, the time, and \
            each method's gradient flow. JSON keys: dimensions, trueMeanAbsGamma, methods (method, \
            seed, gammaCorrelation, gammaSlope, gammaContrastCorrelation, gammaContrastSlope, \
            meanAbsGamma, gammaRMSE, psiCorrelation, phiCorrelation, kappa, loss, heldOutNLL, auc, \
            seconds, gradientFlow).
            """)

    @OptionGroup var dimensions: AladynDimensionOptions

    @Option(name: .customLong("held-out"), help: "New individuals for prediction.")
    var heldOut = 200

    @Option(help: "Adam epochs of the map arms.")
    var epochs = 300

    @Option(name: .customLong("prior-weight"), help: "The prior weight W (1e-4 as published; 1 is the literal MAP).")
    var priorWeight = 1e-4

    @Option(name: .customLong("lbfgs-evaluations"), help: "Most objective evaluations of each L-BFGS continuation.")
    var lbfgsEvaluations = 1000

    @Option(parsing: .upToNextOption, help: "Seeds of the simulations (one replicate each).")
    var seeds: [UInt64] = [1]

    @Option(parsing: .upToNextOption, help: "The methods to run (default all).")
    var methods: [AladynExample.Method] = AladynExample.Method.allCases

    @Flag(name: .long, help: "Do not show progress on stderr.")
    var quiet = false

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        guard heldOut >= 1 else { throw ValidationError("--held-out must be at least 1; got \(heldOut)") }
        guard epochs >= 0 else { throw ValidationError("--epochs must be non-negative; got \(epochs)") }
        guard priorWeight.isFinite, priorWeight > 0 else { throw ValidationError("--prior-weight must be positive; got \(priorWeight)") }
        guard lbfgsEvaluations >= 1 else { throw ValidationError("--lbfgs-evaluations must be at least 1; got \(lbfgsEvaluations)") }
        guard !seeds.isEmpty else { throw ValidationError("--seeds needs at least one seed") }
        guard !methods.isEmpty else { throw ValidationError("--methods needs at least one method") }
        guard outputOptions.report == nil else { throw ValidationError("--report is not available for the aladyn example") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: nil), inputs: [])
        var example = AladynExample(dimensions: dimensions.dimensions, heldOutIndividuals: heldOut, seeds: seeds)
        example.epochs = epochs
        example.priorWeight = priorWeight
        example.lbfgsEvaluations = lbfgsEvaluations
        example.methods = methods
        let line = ProgressLine(enabled: !quiet)
        let result = try example.run { message in line.update(message) }
        line.finish()
        try outputOptions.write(result, text: result.text) { throw ValidationError("--report is not available for the aladyn example") }
    }
}
