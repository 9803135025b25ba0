/// Why an estimation method (EM, an optimizer, an example) cannot run or finish.
public enum EstimationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of range, e.g. a non-positive tolerance.
    case invalidOption(name: String, value: String, requirement: String)
    /// The blocked Cholesky factor could not be formed at some θ (only through rounding for
    /// valid θ), or the residual variance estimate was not positive.
    case factorizationFailed(iteration: Int)
    /// A parameter named in an option (e.g. one to hold fixed) is not one of the model's.
    case unknownParameter(String, suggestion: String?)
    /// A parameter that cannot be held fixed (only `b[…]`, `sigma` and `sd[…][…]` can).
    case cannotHold(String)
    /// A prior setting that does not apply.
    case invalidPrior(PriorError)
    /// The objective or log density could not be evaluated at the starting point.
    case nonFiniteStart(method: String)
    /// A fit that the method starts from (e.g. the ML fit joint MAP starts at) failed.
    case startingFitFailed(String)
    /// The model is one the method does not cover.
    case unsupportedModel(MixedModelError)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "\(name) must be \(requirement); got \(value)"
        case .factorizationFailed(let iteration):
            return "EM stopped at iteration \(iteration): the model's covariance factor could not be formed "
                + "(the residual variance is zero or the random-effect design is degenerate)"
        case .unknownParameter(let name, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "the model has no parameter '\(name)'\(hint)"
        case .cannotHold(let name):
            return "'\(name)' cannot be held fixed; hold a fixed effect b[…], sigma or an SD sd[group][column]"
        case .invalidPrior(let error):
            return error.description
        case .nonFiniteStart(let method):
            return "\(method): the objective is not finite at the starting point; give another start"
        case .startingFitFailed(let reason):
            return "the maximum-likelihood fit used as the starting point failed: \(reason)"
        case .unsupportedModel(let error):
            return error.description
        }
    }
}
