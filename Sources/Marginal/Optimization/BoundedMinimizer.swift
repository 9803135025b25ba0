import CNLopt

/// Derivative-free minimization under lower bounds with NLopt's BOBYQA (Powell 2009, "The BOBYQA
/// algorithm for bound constrained optimization without derivatives"), the optimizer lme4's
/// `nloptwrap` and MixedModels.jl use for the profiled deviance.
///
/// Stopping rules: absolute tolerance 1e-8 on the parameters, as lme4's `nloptwrap`; on the
/// objective a relative tolerance of 1e-13 instead of lme4's absolute 1e-8. The deviance grows
/// with n, so an absolute tolerance is loose for small data (lme4 stops short of the optimum on
/// flat ridges, e.g. Orthodont with correlated slopes) and below rounding for large data;
/// 1e-13 relative is a few hundred units of rounding in the objective. At most 100,000
/// evaluations.
public struct BoundedMinimizer: Sendable {
    public typealias Result = MinimizationResult

    public var lowerBounds: [Double]
    public var initialSteps: [Double]?
    public var absoluteObjectiveTolerance = 0.0
    public var relativeObjectiveTolerance = 1e-13
    public var absoluteParameterTolerance = 1e-8
    public var maximumEvaluations = 100_000

    public init(lowerBounds: [Double], initialSteps: [Double]? = nil) {
        self.lowerBounds = lowerBounds
        self.initialSteps = initialSteps
    }

    /// Minimizes `objective` from `start`, which is moved inside the bounds if needed.
    public func minimize(start: [Double], objective: @escaping ([Double]) -> Double) -> Result {
        var run = NLoptMinimization(algorithm: NLOPT_LN_BOBYQA, name: "BOBYQA")
        run.lowerBounds = lowerBounds
        run.absoluteObjectiveTolerance = absoluteObjectiveTolerance
        run.relativeObjectiveTolerance = relativeObjectiveTolerance
        run.absoluteParameterTolerance = absoluteParameterTolerance
        run.maximumEvaluations = maximumEvaluations
        run.initialSteps = initialSteps
        return run.minimize(start: start, objective: .value(objective))
    }
}
