import ArgumentParser
import Foundation
import Marginal

/// The options that shape predictions from a saved fit, shared by `marginal predict` and
/// `marginal fit --predict`: lme4's `predict(fit, newdata, re.form, allow.new.levels)` (see
/// ``Predictor``), the prediction interval and, for a generalized model, the scale.
struct PredictionOptions: ParsableArguments {
    enum IntervalKind: String, ExpressibleByArgument, CaseIterable { case none, prediction }
    enum Scale: String, ExpressibleByArgument, CaseIterable { case link, response }

    @Option(name: .customLong("re-form"), help: ArgumentHelp("Random effects to add: all, ~0 (none) or grouping factors (comma-separated).", valueName: "all|~0|G,…"))
    var reForm = "all"

    @Flag(name: .customLong("allow-new-levels"), help: "Predict a level the fit did not see with its effect at 0 (as lme4), instead of an error.")
    var allowNewLevels = false

    @Option(name: .long, help: "none, or prediction: bounds at --level.")
    var interval: IntervalKind = .none

    @Option(name: .long, help: "For a generalized model: link or response scale.")
    var type: Scale = .link

    /// Whether every option has its default value (`fit` refuses them without `--predict`).
    var isDefault: Bool {
        reForm == "all" && !allowNewLevels && interval == .none && type == .link
    }

    /// `--re-form` read.
    var included: Predictor.RandomEffectsIncluded {
        let text = reForm.replacingOccurrences(of: " ", with: "")
        switch text {
        case "all", "NULL": return .all
        case "~0", "NA", "0", "none": return .none
        default: return .only(text.split(separator: ",").map(String.init))
        }
    }

    /// The predictions of `saved` for the rows of the CSV file `newData`, read with the fit's
    /// options; intervals at `level`.
    func predict(_ saved: PredictableFit, newData: String, level: Double) throws -> [Predictor.Prediction] {
        guard let source = saved.model else { throw CommandError(description: "the fit has no 'model'") }
        let (frame, design) = try PredictCommand.read(newData, source: source)
        return try Predictor(saved).predict(
            frame, options: design, included: included, newLevels: allowNewLevels ? .zero : .error,
            interval: interval == .prediction ? level : nil, responseScale: type == .response)
    }

    /// One line per prediction: row, fit, se and, with an interval, lower and upper.
    static func csv(_ predictions: [Predictor.Prediction]) -> String {
        let bounds = predictions.first?.lower != nil
        var lines = ["row,fit,se" + (bounds ? ",lower,upper" : "")]
        for p in predictions {
            var fields = [String(p.row), Self.number(p.fit), Self.number(p.standardError)]
            if let lower = p.lower, let upper = p.upper { fields += [Self.number(lower), Self.number(upper)] }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// Shortest text that reads back as the same double; NA for a non-finite value.
    private static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "NA" }
}
