/// Why a linear or generalized linear mixed model cannot be set up or fitted.
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
    /// The dense part of the blocked factor would not fit in memory: `group` is the grouping factor
    /// from which on the blocks fill in (crossed with an earlier one), `denseRows` its size.
    case tooLarge(group: String, denseRows: Int, bytes: Double, available: Double)
    /// The S × S blocks of the effects of each level of `group` would not fit in memory (a
    /// structured term over many distinct times or positions).
    case levelBlocksTooLarge(group: String, effectsPerLevel: Int, levels: Int, bytes: Double, available: Double)
    /// The optimizer could not produce a usable estimate.
    case optimizerFailed(message: String)
    /// A response value (row 1-based among the model's rows) that the family cannot produce.
    case invalidResponse(family: String, row: Int, reason: String)
    /// A link the family does not take.
    case unsupportedLink(family: String, link: String, supported: [String])
    /// A cbind(successes, failures) response outside a binomial model.
    case binomialResponseNeedsFamily
    /// Penalized iteratively reweighted least squares did not converge at some θ.
    case pirlsFailed(message: String)
    /// A fixed effect separates a binary outcome: its estimate grows without bound.
    case separation(fixedEffect: String, estimate: Double)
    /// Adaptive quadrature was asked for where it does not apply.
    case quadratureNotApplicable(reason: String)
    /// A method that reads θ as the elements of λ (EM, variational Bayes, joint MAP, sampling,
    /// profile intervals) on a model with a glmmTMB covariance structure (`ar1(...)`).
    case unstructuredCovarianceRequired(method: String)

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
        case .tooLarge(let group, let rows, let bytes, let available):
            return "the random effects from '\(group)' on are crossed with an earlier grouping factor, which makes a dense "
                + "\(rows) × \(rows) block of the factor needing \(Self.gigabytes(bytes)) against \(Self.gigabytes(available)) available; "
                + "nest '\(group)' in the factor with most levels if the design allows (e.g. (1 | a/b)), drop or merge levels, "
                + "or fit it on a machine with more memory"
        case .levelBlocksTooLarge(let group, let effects, let levels, let bytes, let available):
            return "the term on '\(group)' has \(effects) random effects per level (one per distinct time or position of a structured term, "
                + "or per column), and its \(levels) dense \(effects) × \(effects) blocks would need \(Self.gigabytes(bytes)) against "
                + "\(Self.gigabytes(available)) available; round or bin the times or positions, or use fewer columns"
        case .optimizerFailed(let message):
            return "the optimizer failed: \(message)"
        case .invalidResponse(let family, let row, let reason):
            return "row \(row) of the model data: \(reason) (family \(family))"
        case .unsupportedLink(let family, let link, let supported):
            return "the \(family) family does not take the \(link) link; use one of \(supported.joined(separator: ", "))"
        case .binomialResponseNeedsFamily:
            return "a cbind(successes, failures) response is binomial: fit it with --family binomial"
        case .pirlsFailed(let message):
            return "the conditional modes could not be found (PIRLS): \(message)"
        case .separation(let name, let estimate):
            return "complete separation: the outcomes are predicted perfectly through the fixed effect '\(name)', whose estimate runs off without end (\(rNumberLabel(estimate)) and growing); the model has no finite maximum-likelihood estimate. Remove or merge what separates, or use a penalized (Bayesian) fit"
        case .quadratureNotApplicable(let reason):
            return "adaptive Gauss-Hermite quadrature: \(reason)"
        case .unstructuredCovarianceRequired(let method):
            return "\(method) is written for lme4's unstructured random-effect terms, not yet for covariance structures such as ar1(...); fit the model by ML or REML (marginal fit)"
        }
    }

    private static func gigabytes(_ bytes: Double) -> String {
        bytes >= 1e9 ? "\((bytes / 1e8).rounded() / 10) GB" : "\((bytes / 1e5).rounded() / 10) MB"
    }
}
