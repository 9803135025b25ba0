import ArgumentParser
import Foundation
import Marginal

/// `marginal predict`: predictions of a fit saved by `marginal fit --json` on new data, as
/// lme4's `predict(fit, newdata, re.form, allow.new.levels)` (see ``Predictor``).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict from a fit saved by `marginal fit --json` on new data, as lme4's predict().",
        discussion: """
            The new data are read with the fit's --factor, --levels and --ordered options, and every \
            variable of the formula is computed with what the fit learned from its data (poly \
            coefficients, spline knots, scale's centre and scale, factor levels). The response is \
            not needed. Rows missing a variable are left out (the output's `row` column gives the \
            data row of each prediction).

            --re-form all (default, or NULL) adds every random effect, ~0 (or NA) none, a formula \
            of random-effect terms such as '~(1 | Subject)' the columns it names (lme4's re.form: \
            the intercepts of Subject, not its slopes; a term the fit lacks is an error listing the \
            fit's terms), or a comma-separated list of grouping factors all their columns. A level \
            the fit did not see is an error naming the closest level the fit has (--new-levels \
            error, MixedModels.jl's default), or its effect is 0 (--new-levels zero, lme4's \
            allow.new.levels = TRUE, also spelt --allow-new-levels), or the row's prediction is NA \
            (--new-levels missing, MixedModels.jl's :missing). `se` is the standard \
            error of the fixed part; --interval prediction adds bounds that include the effects' \
            conditional variances and, for a linear model, σ². A generalized model predicts on the \
            link scale (--type link) or the response scale (--type response).

            Example:
              marginal fit Examples/sleepstudy.csv -f 'Reaction ~ poly(Days, 2) + (Days | Subject)' --json -o fit.json
              marginal predict fit.json new.csv --re-form '~0'
              marginal predict fit.json new.csv --re-form '~(1 | Subject)' --new-levels missing
            """)

    @Argument(help: ArgumentHelp("A fit saved by `marginal fit --json -o`.", valueName: "FIT.json"))
    var fit: String

    @Argument(help: ArgumentHelp("The new data: a CSV file with the formula's columns.", valueName: "NEWDATA.csv"))
    var newData: String

    @OptionGroup var prediction: PredictionOptions

    @Option(name: .long, help: "The interval's coverage.")
    var level = 0.95

    @Flag(name: .long, help: "Print JSON instead of CSV.")
    var json = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write the result to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1; got \(level)") }
    }

    func run() throws {
        try OutputDestination.validate(outputs: [("--output", output)], inputs: [fit, newData])
        let predictions = try prediction.predict(try Self.load(fit), newData: newData, level: level)
        try OutputDestination(path: output).write(json ? try JSONOutput.encode(predictions) : PredictionOptions.csv(predictions))
    }

    /// The fit saved at `path`.
    static func load(_ path: String) throws -> PredictableFit {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try PredictableFit.decode(bytes)
        } catch {
            throw CommandError(description: "\(path) is \(error.description)")
        }
    }

    /// The data file `path` read with the fit's options, and the design options with its transformations.
    static func read(_ path: String, source: ModelSource) throws -> (DataFrame, DesignOptions) {
        let options = try DataOptions(source, data: path)
        let frame = try CSVReader.read(path: path, options: try options.csvOptions())
        var design = try options.designOptions()
        design.transformations = source.transformations
        return (frame, design)
    }
}
