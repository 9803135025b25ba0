/// Why NUTS could not run or could not continue.
public enum SamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The log density has no coordinates.
    case zeroDimension
    /// A field of ``SamplerSettings`` is out of range.
    case invalidSetting(name: String, value: String, requirement: String)
    /// A given starting point has the wrong number of coordinates (`index` is 0-based).
    case initialPointDimension(index: Int, expected: Int, actual: Int)
    /// The log density or its gradient is not finite at the given starting point of `chain`.
    case nonFiniteInitialPoint(chain: Int)
    /// No random starting point with a finite log density and gradient was found.
    case initializationFailed(chain: Int, attempts: Int, radius: Double)
    /// The step-size heuristic kept doubling past 10⁷: the density does not decay (improper).
    case improperPosterior(chain: Int)
    /// The step-size heuristic halved the step size to zero: the density is not smooth enough.
    case stepSizeUnderflow(chain: Int)
    /// The adapted metric is not finite (draws with extreme values during warmup).
    case metricOverflow(chain: Int)

    public var description: String {
        switch self {
        case .zeroDimension:
            return "the log density has no parameters (dimension 0); there is nothing to sample"
        case .invalidSetting(let name, let value, let requirement):
            return "sampler setting '\(name)' is \(value); it must be \(requirement)"
        case .initialPointDimension(let index, let expected, let actual):
            return "initial point \(index + 1) has \(actual) values but the model has \(expected) unconstrained parameters"
        case .nonFiniteInitialPoint(let chain):
            return "chain \(chain + 1): the log density or its gradient is not finite at the given initial point; "
                + "choose a point inside the support of the posterior"
        case .initializationFailed(let chain, let attempts, let radius):
            return "chain \(chain + 1): no finite log density and gradient at \(attempts) random initial points in "
                + "(−\(radius), \(radius)) on the unconstrained scale; give initial points or check the model"
        case .improperPosterior(let chain):
            return "chain \(chain + 1): the step size grew beyond 1e7 during initialization; the posterior "
                + "looks improper (check priors and the model)"
        case .stepSizeUnderflow(let chain):
            return "chain \(chain + 1): no acceptably small step size was found; the log density may not be "
                + "continuous"
        case .metricOverflow(let chain):
            return "chain \(chain + 1): numerical overflow in metric adaptation; the sampler met extreme values on "
                + "the unconstrained scale, which happens when the posterior is very wide or improper"
        }
    }
}
