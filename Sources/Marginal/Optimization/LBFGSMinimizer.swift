import CNLopt

/// Gradient-based minimization with NLopt's low-storage BFGS (`LD_LBFGS`: Nocedal 1980, "Updating
/// quasi-Newton matrices with limited storage", *Math. Comp.* 35; Liu & Nocedal 1989, in Luksan's
/// implementation), optionally under bounds.
///
/// The objective returns f(x) and writes ∇f(x) into its second argument. Stopping rules: relative
/// change of f below `relativeObjectiveTolerance` (default 1e-12) or of x below
/// `relativeParameterTolerance` (default 1e-10), at most `maximumEvaluations` (10,000) evaluations.
/// NLopt may also stop with `ROUNDOFF_LIMITED` when the line search cannot make progress in
/// floating point, which at a minimum is common: the result is then usable but `converged` is false.
public struct LBFGSMinimizer: Sendable {
    public var lowerBounds: [Double]?
    public var upperBounds: [Double]?
    public var relativeObjectiveTolerance = 1e-12
    public var absoluteObjectiveTolerance = 0.0
    public var relativeParameterTolerance = 1e-10
    public var maximumEvaluations = 10_000
    /// Correction pairs kept (the "m" of L-BFGS); 0 keeps NLopt's default.
    public var memory = 0

    public init(lowerBounds: [Double]? = nil, upperBounds: [Double]? = nil) {
        self.lowerBounds = lowerBounds
        self.upperBounds = upperBounds
    }

    /// Minimizes `objective` from `start` (moved inside the bounds if needed).
    public func minimize(
        start: [Double], objective: @escaping (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) -> MinimizationResult {
        var run = NLoptMinimization(algorithm: NLOPT_LD_LBFGS, name: "L-BFGS")
        run.lowerBounds = lowerBounds
        run.upperBounds = upperBounds
        run.absoluteObjectiveTolerance = absoluteObjectiveTolerance
        run.relativeObjectiveTolerance = relativeObjectiveTolerance
        run.relativeParameterTolerance = relativeParameterTolerance
        run.maximumEvaluations = maximumEvaluations
        run.vectorStorage = memory
        return run.minimize(start: start, objective: .valueAndGradient(objective))
    }
}
