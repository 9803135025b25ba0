import ArgumentParser
import Marginal

/// N, D, T, K and P of a simulated ALADYN data set, shared by `marginal example aladyn` and
/// `marginal simulate aladyn`.
struct AladynDimensionOptions: ParsableArguments {
    @Option(help: "Individuals (N).")
    var individuals = 1000

    @Option(help: "Diseases (D).")
    var diseases = 50

    @Option(help: "Yearly ages (T).")
    var ages = 52

    @Option(help: "Disease signatures (K; a healthy signature is added).")
    var signatures = 5

    @Option(help: "Individual covariates (P).")
    var covariates = 20

    var dimensions: AladynDimensions {
        AladynDimensions(individuals: individuals, diseases: diseases, ages: ages, signatures: signatures, covariates: covariates)
    }

    func validate() throws {
        for (name, value) in [("--individuals", individuals), ("--diseases", diseases), ("--signatures", signatures)] {
            guard value >= 1 else { throw ValidationError("\(name) must be at least 1; got \(value)") }
        }
        guard ages >= 2 else { throw ValidationError("--ages must be at least 2; got \(ages)") }
        guard signatures <= diseases else { throw ValidationError("--signatures (\(signatures)) cannot exceed --diseases (\(diseases))") }
        guard covariates >= 0, covariates < individuals else { throw ValidationError("--covariates must be between 0 and N - 1; got \(covariates)") }
    }
}
