import ArgumentParser
import Foundation
import Marginal

/// The options that shape predictions from a saved fit, shared by `marginal predict` and
/// `marginal fit --predict`: lme4's `predict(fit, newdata, re.form, allow.new.levels)` and
/// MixedModels.jl's `new_re_levels` (see ``Predictor``), the prediction interval and, for a
/// generalized model, the scale.
struct PredictionOptions: ParsableArguments {
    enum IntervalKind: String, ExpressibleByArgument, CaseIterable { case none, prediction }
    enum Scale: String, ExpressibleByArgument, CaseIterable { case link, response }

    @Option(name: .customLong("re-form"), help: ArgumentHelp(
        "Random effects to add, as lme4's re.form: all (or NULL), ~0 (or NA) for none, random-effect terms such as '~(1 | Subject)' (those columns of the fit's terms), or grouping factors (comma-separated).",
        valueName: "all|~0|~(1|G)|G,…"))
    var reForm = "all"

    @Flag(name: .customLong("allow-new-levels"), help: "lme4's spelling of --new-levels zero.")
    var allowNewLevels = false

    @Option(name: .customLong("new-levels"), help: ArgumentHelp(
        "A level the fit did not see: error (the default, naming the closest level), zero (its effect 0, lme4's allow.new.levels = TRUE) or missing (the row's prediction NA, MixedModels.jl's :missing).",
        valueName: "error|zero|missing"))
    var newLevels: Predictor.NewLevels?

    @Option(name: .long, help: "none, or prediction: bounds at --level.")
    var interval: IntervalKind = .none

    @Option(name: .long, help: "For a generalized model: link or response scale.")
    var type: Scale = .link

    /// Whether every option has its default value (`fit` refuses them without `--predict`).
    var isDefault: Bool {
        reForm == "all" && !allowNewLevels && newLevels == nil && interval == .none && type == .link
    }

    func validate() throws {
        if allowNewLevels, let newLevels, newLevels != .zero {
            throw ValidationError("--allow-new-levels is --new-levels zero; it contradicts --new-levels \(newLevels.rawValue)")
        }
    }

    /// `--new-levels`, or `--allow-new-levels`.
    var newLevelHandling: Predictor.NewLevels { newLevels ?? (allowNewLevels ? .zero : .error) }

    /// `--re-form` read: lme4's keywords and formulas, or a list of grouping factors.
    var included: Predictor.RandomEffectsIncluded {
        let text = reForm.trimmingCharacters(in: .whitespaces)
        switch text.replacingOccurrences(of: " ", with: "") {
        case "all", "NULL", "~NULL": return .all
        case "~0", "NA", "0", "none", "~-1": return .none
        default:
            if text.hasPrefix("~") { return .terms(String(text.dropFirst())) }
            return .only(text.replacingOccurrences(of: " ", with: "").split(separator: ",").map(String.init))
        }
    }

    /// The predictions of `saved` for the rows of the CSV file `newData`, read with the fit's
    /// options; intervals at `level`.
    func predict(_ saved: PredictableFit, newData: String, level: Double) throws -> [Predictor.Prediction] {
        guard let source = saved.model else { throw CommandError(description: "the fit has no 'model'") }
        let (frame, design) = try PredictCommand.read(newData, source: source)
        return try Predictor(saved).predict(
            frame, options: design, included: included, newLevels: newLevelHandling,
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

extension Predictor.NewLevels: ExpressibleByArgument {}
