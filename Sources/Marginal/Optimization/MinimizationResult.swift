/// The outcome of a minimization by ``BoundedMinimizer`` or ``LBFGSMinimizer``.
public struct MinimizationResult: Sendable {
    public var minimizer: [Double]
    public var minimum: Double
    /// Objective evaluations (for L-BFGS, each with its gradient).
    public var evaluations: Int
    /// NLopt's return code name, e.g. `FTOL_REACHED`.
    public var message: String
    /// True when NLopt stopped by one of its tolerances (not by an error or the budget).
    public var converged: Bool
}
