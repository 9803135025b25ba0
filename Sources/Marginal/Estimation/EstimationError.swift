/// Why an estimation method (EM, an optimizer, an example) cannot run or finish.
public enum EstimationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of range, e.g. a non-positive tolerance.
    case invalidOption(name: String, value: String, requirement: String)
    /// The blocked Cholesky factor could not be formed at some θ (only through rounding for
    /// valid θ), or the residual variance estimate was not positive.
    case factorizationFailed(iteration: Int)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "\(name) must be \(requirement); got \(value)"
        case .factorizationFailed(let iteration):
            return "EM stopped at iteration \(iteration): the model's covariance factor could not be formed "
                + "(the residual variance is zero or the random-effect design is degenerate)"
        }
    }
}
