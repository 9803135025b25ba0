/// Why a linear mixed model cannot be set up or fitted.
public enum MixedModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case noRandomEffects
    /// A response or covariate value is NaN or infinite; `row` is 1-based among the model's rows.
    case nonFiniteValue(variable: String, row: Int)
    case constantResponse(name: String)
    /// lme4's identifiability checks: each grouping factor needs fewer levels than observations,
    /// and the random effects of a term must be fewer than the observations.
    case tooManyLevels(group: String, levels: Int, observations: Int)
    case tooManyRandomEffects(group: String, effects: Int, observations: Int)
    case noResidualDegreesOfFreedom(observations: Int, fixedEffects: Int)
    /// The optimizer could not produce a usable estimate.
    case optimizerFailed(message: String)

    public var description: String {
        switch self {
        case .noRandomEffects:
            return "the formula has no random-effect term such as (1 | group); a linear mixed model needs at least one"
        case .nonFiniteValue(let variable, let row):
            return "'\(variable)' is NaN or infinite in row \(row) of the model data; remove or correct such values"
        case .constantResponse(let name):
            return "the response '\(name)' is constant: there is no variation to fit"
        case .tooManyLevels(let group, let levels, let observations):
            return "the grouping factor '\(group)' has \(levels) levels for \(observations) observations; "
                + "it needs fewer levels than observations, or its variance cannot be told apart from the residual variance"
        case .tooManyRandomEffects(let group, let effects, let observations):
            return "the term on '\(group)' has \(effects) random effects for \(observations) observations; "
                + "the random-effect variances and the residual variance are then unidentifiable"
        case .noResidualDegreesOfFreedom(let observations, let fixedEffects):
            return "\(observations) observations leave no residual degrees of freedom for \(fixedEffects) fixed effects"
        case .optimizerFailed(let message):
            return "the optimizer failed: \(message)"
        }
    }
}
