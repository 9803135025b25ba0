import ArgumentParser
import Foundation
import Marginal

/// `marginal example aladyn`.
struct AladynCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aladyn",
        abstract: "ALADYN disease trajectories: joint MAP centred and non-centred against the truth.",
        discussion: """
            Simulates N individuals' diagnoses of D diseases over T yearly ages from the ALADYN model \
            (K disease signatures plus a healthy one, P covariates whose effects gamma set each \
            signature's prior mean; the published parameter-recovery notebook's process), initializes \
            from the data alone as the published code does, and fits by joint MAP: map (centred, 300 \
            epochs of Adam with the published learning-rate groups), map-nc (non-centred), and both \
            continued to convergence by L-BFGS (map-lbfgs, map-nc-lbfgs). Prints, per method and seed, \
            gamma-hat against the truth (correlation, OLS slope, both after removing each covariate's \
            mean over signatures), mean |gamma-hat|, RMSE, psi and phi correlations, kappa, the \
            published loss, the held-out NLL and 10-year-risk AUC of new individuals, the time, and \
            each method's gradient flow. JSON keys: dimensions, trueMeanAbsGamma, methods (method, \
            seed, gammaCorrelation, gammaSlope, gammaContrastCorrelation, gammaContrastSlope, \
            meanAbsGamma, gammaRMSE, psiCorrelation, phiCorrelation, kappa, loss, heldOutNLL, auc, \
            seconds, gradientFlow).
            """)

    @Option(help: "Individuals to fit (N).")
    var individuals = 1000

    @Option(help: "Diseases (D).")
    var diseases = 50

    @Option(help: "Yearly ages (T).")
    var ages = 52

    @Option(help: "Disease signatures (K; a healthy signature is added).")
    var signatures = 5

    @Option(help: "Individual covariates (P).")
    var covariates = 20

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

    @Flag(name: .long, help: "Do not show progress on stderr.")
    var quiet = false

    @OptionGroup var outputOptions: ExampleOutputOptions

    func validate() throws {
        for (name, value) in [("--individuals", individuals), ("--diseases", diseases), ("--ages", ages), ("--signatures", signatures), ("--held-out", heldOut)] {
            guard value >= 1 else { throw ValidationError("\(name) must be at least 1; got \(value)") }
        }
        guard ages >= 2 else { throw ValidationError("--ages must be at least 2; got \(ages)") }
        guard signatures <= diseases else { throw ValidationError("--signatures (\(signatures)) cannot exceed --diseases (\(diseases))") }
        guard covariates >= 0, covariates < individuals else { throw ValidationError("--covariates must be between 0 and N - 1; got \(covariates)") }
        guard epochs >= 0 else { throw ValidationError("--epochs must be non-negative; got \(epochs)") }
        guard priorWeight.isFinite, priorWeight > 0 else { throw ValidationError("--prior-weight must be positive; got \(priorWeight)") }
        guard lbfgsEvaluations >= 1 else { throw ValidationError("--lbfgs-evaluations must be at least 1; got \(lbfgsEvaluations)") }
        guard !seeds.isEmpty else { throw ValidationError("--seeds needs at least one seed") }
        guard outputOptions.report == nil else { throw ValidationError("--report is not available for the aladyn example") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: outputOptions.outputs(writeData: nil), inputs: [])
        var example = AladynExample(
            dimensions: AladynDimensions(individuals: individuals, diseases: diseases, ages: ages, signatures: signatures, covariates: covariates),
            heldOutIndividuals: heldOut, seeds: seeds)
        example.epochs = epochs
        example.priorWeight = priorWeight
        example.lbfgsEvaluations = lbfgsEvaluations
        let line = ProgressLine(enabled: !quiet)
        let result = try example.run { message in line.update(message) }
        line.finish()
        try outputOptions.write(result, text: result.text) { throw ValidationError("--report is not available for the aladyn example") }
    }
}
