/// The result of ``LinearMixedModel/fitJointMAP(_:)``. A value.
public struct JointMAPFit: Sendable {
    public var parameterization: JointMAPParameterization
    /// `L-BFGS`, `Adam (budget 2000)`, ….
    public var optimizer: String
    public var includeJacobian: Bool
    /// The estimates at the end point (β, σ, SDs, correlations); no standard errors.
    public var estimates: GlobalEstimates
    /// The random effects b at the end point, named `r[group][level,column]`.
    public var randomEffectNames: [String]
    public var randomEffects: [Double]
    /// The end point in the optimizer's coordinates, with their names.
    public var parameterNames: [String]
    public var coordinates: [Double]
    /// F at the start and at the end, and F's two terms at the end.
    public var startObjective: Double
    public var objective: Double
    public var logLikelihood: Double
    public var logPrior: Double
    /// Adam: F at the start and after each update. L-BFGS: F at the start and at each evaluation
    /// that improved on the best so far.
    public var trace: [Double]
    /// L-BFGS: objective evaluations; Adam: updates.
    public var iterations: Int
    /// True when the optimizer met its convergence rule (never for an Adam budget).
    public var converged: Bool
    /// The optimizer's stopping message (NLopt's code, `BUDGET` or `CONVERGED`).
    public var message: String
    public var gradientFlow: GradientFlow
    /// SDs that collapsed toward 0 with the objective still rising.
    public var collapses: [CollapseFinding]
    /// Collapse warnings, a note that the objective has no global maximum, and optimizer warnings.
    public var warnings: [String]
    public var seconds: Double
}
