/// The result of fitting a ``LinearMixedModel`` by EM (``LinearMixedModel/fitEM(_:progress:)``):
/// the estimates at the final iterate, how the iterations went, and warnings. A value.
public struct EMFit: Sendable {
    /// β̂, σ̂, θ, the variance components (SDs and correlations), the conditional modes and the
    /// objective at the EM estimate, in the same form as a BOBYQA fit. Its `optimization` record
    /// logs θ and the objective of every accepted iterate.
    public var estimates: LinearMixedModelFit
    /// ECME or ECME+SQUAREM.
    public var acceleration: EMAcceleration
    /// Accepted iterates after the start (for SQUAREM, one per extrapolation cycle).
    public var iterations: Int
    /// Factorizations of L(θ), each an E-step or an objective evaluation: the unit of work, to
    /// compare with a BOBYQA fit's evaluations.
    public var evaluations: Int
    /// The objective at the start and at each accepted iterate; non-increasing.
    public var objectiveTrace: [Double]
    /// True when the convergence rule of ``EMOptions/relativeTolerance`` was met.
    public var converged: Bool
    /// Wall time in seconds.
    public var seconds: Double

    public var criterion: FitCriterion { estimates.criterion }
    /// The deviance (ML) or REML criterion at the estimate, as ``LinearMixedModel/objective(theta:criterion:)``.
    public var objective: Double { estimates.objective }
    public var fixedEffects: [FixedEffectEstimate] { estimates.fixedEffects }
    public var sigma: Double { estimates.sigma }
    public var theta: [Double] { estimates.theta }
    public var varianceComponents: [VarianceComponent] { estimates.varianceComponents }
    /// The design's warnings, then EM's: not converged, slow convergence toward a singular fit,
    /// a singular fit.
    public var warnings: [String] { estimates.warnings }
}
