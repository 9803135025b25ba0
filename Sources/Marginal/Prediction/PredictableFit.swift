import Foundation

/// What prediction reads from a fit saved by `marginal fit --json` (``FitReport`` of a linear
/// model or ``GeneralizedFitReport``): β̂ and its covariance, σ̂ or the family and link, the
/// conditional modes and SDs of each grouping factor's levels, and under `model` the formula,
/// the options and the ``StoredTransformations`` that rebuild the design on new data.
public struct PredictableFit: Decodable, Sendable {
    public struct Coefficient: Decodable, Sendable {
        public var name: String
        public var estimate: Double
    }

    public var formula: String
    public var fixef: [Coefficient]
    public var vcov: [[Double]]
    /// The residual SD of a linear model (absent from a generalized one).
    public var sigma: Double?
    /// The family and link of a generalized model (absent from a linear one).
    public var family: String?
    public var link: String?
    /// A generalized model's dispersion parameter: the negative binomial's shape k, the Gamma's φ.
    public var dispersion: Double?
    public var ranef: [FitReport.RandomEffects]
    /// The SDs and correlations of each term (the variance of an effect not predicted).
    public var varcomp: [FitReport.VarianceComponent]
    public var model: ModelSource?

    /// The variance component of a random-effect term (same grouping factor and columns).
    func component(of term: RandomEffectTerm) -> FitReport.VarianceComponent? {
        varcomp.first { $0.group == term.group && $0.names == term.columnNames }
    }

    /// Reads the JSON of a saved fit; anything else is a ``PredictionError/notAFit(_:)``.
    public static func decode(_ data: Data) throws(PredictionError) -> PredictableFit {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        let fit: PredictableFit
        do {
            fit = try decoder.decode(PredictableFit.self, from: data)
        } catch let error as DecodingError {
            throw .notAFit(Self.describe(error))
        } catch {
            throw .notAFit(error.localizedDescription)
        }
        guard fit.model != nil else { throw .notAFit("no 'model': it was not saved by `marginal fit --json`") }
        guard fit.vcov.count == fit.fixef.count, fit.vcov.allSatisfy({ $0.count == fit.fixef.count }) else {
            throw .notAFit("'vcov' is not \(fit.fixef.count) × \(fit.fixef.count)")
        }
        for effects in fit.ranef {
            let shaped = { (rows: [[Double]]) in rows.count == effects.levels.count && rows.allSatisfy { $0.count == effects.names.count } }
            guard shaped(effects.modes), shaped(effects.condSD) else {
                throw .notAFit("the modes of '\(effects.group)' are not one row of \(effects.names.count) per level")
            }
        }
        for component in fit.varcomp {
            let s = component.names.count
            guard component.sd.count == s, component.corr.count == s, component.corr.allSatisfy({ $0.count == s }) else {
                throw .notAFit("the variance component of '\(component.group)' is not \(s) SDs and an \(s) × \(s) correlation")
            }
        }
        return fit
    }

    /// What is wrong with a JSON file that does not decode as a saved fit, in a few words.
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "no '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty ? "not the JSON of a fit" : "bad '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default: "not a fit"
        }
    }
}

/// Why a prediction cannot be made.
public enum PredictionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a fit saved by `marginal fit --json`.
    case notAFit(String)
    /// A grouping factor's level the fit has no effect for (with ``Predictor/NewLevels/error``), and
    /// the fit's level closest to it, if one is.
    case newLevel(group: String, level: String, row: Int, suggestion: String?)
    /// `re.form` names a grouping factor the model does not have.
    case unknownGroup(String, suggestion: String?, groups: [String])
    /// `re.form` has a random-effect term, or a column of one, that the model does not have.
    case unknownTerm(String, fitTerms: [String])
    /// A column of the fit's X that the new data do not give (a term the formula cannot rebuild).
    case missingFixedColumn(String)
    /// A structured term (`ar1(time + 0 | id)`) whose times or positions in the new data are not
    /// those of the fit: its effects at new times would need the structure's conditional mean.
    case newStructuredColumns(group: String, structure: String)

    public var description: String {
        switch self {
        case .notAFit(let why):
            "not a fit saved by `marginal fit --json` (\(why))"
        case .newLevel(let group, let level, let row, let suggestion):
            "the grouping factor '\(group)' has the level '\(level)' in data row \(row), which the fit has no effect for"
                + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
                + "; use --new-levels zero to predict with its effect at 0 (lme4's allow.new.levels = TRUE, also --allow-new-levels) or --new-levels missing to leave the row's prediction missing (MixedModels.jl's :missing)"
        case .unknownTerm(let term, let fitTerms):
            "the re-form term \(term) is not among the model's random-effect terms, \(fitTerms.joined(separator: " + "))"
        case .unknownGroup(let name, let suggestion, let groups):
            "no grouping factor '\(name)' in the model" + (suggestion.map { "; did you mean '\($0)'?" } ?? "; it has \(groups.joined(separator: ", "))")
        case .missingFixedColumn(let name):
            "the new data give no column '\(name)' of the fixed effects (a factor level may be missing from the fit's levels)"
        case .newStructuredColumns(let group, let structure):
            "the \(structure)() term on '\(group)' has other times or positions in the new data than in the fit; predicting at new ones is not written yet: give the new rows among the fit's times, or use --re-form '~0'"
        }
    }
}

extension FitReport.VarianceComponent {
    /// Σ̂ = D R D from the SDs D and the correlations R.
    var covariance: [[Double]] {
        sd.indices.map { i in sd.indices.map { j in sd[i] * sd[j] * (i == j ? 1 : corr[i][j]) } }
    }
}
