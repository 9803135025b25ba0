/// How ``LinearMixedModel/fit(criterion:optimizer:progress:)`` minimizes the profiled objective
/// over θ (lme4's `lmerControl(optimizer = )`).
public enum ThetaOptimizer: String, Sendable, CaseIterable {
    /// ``lbfgs`` where it has a gradient and θ has at least ``automaticGradientMinimum`` elements,
    /// else ``bobyqa``.
    case automatic = "auto"
    /// NLopt's BOBYQA, derivative-free (lme4's and MixedModels.jl's default).
    case bobyqa
    /// L-BFGS-B on the exact gradient (``PenalizedLeastSquares/profiledGradient(criterion:)``), then
    /// BOBYQA from its result with small first steps: the projected quasi-Newton steps can stall on
    /// a bound the optimum is not on. Designs with nested blocks have no gradient yet and use BOBYQA.
    case lbfgs

    /// With fewer θ elements BOBYQA needs few evaluations, and a gradient costs up to three of them
    /// on large crossed designs (the dense inverse): on the InstEval-shaped design (3 θ) BOBYQA
    /// takes 29 evaluations and 0.75 s, the gradient route 39 and 3.1 s. From 4 θ on the gradient
    /// wins: 294 → 38 evaluations on `crossed_slopes` (4 θ), 423 → 48 on `three_slopes` (6 θ),
    /// 28,272 → 535 and 110 s → 8.8 s on a maximal 8×8 + 8×8 model (72 θ).
    public static let automaticGradientMinimum = 4
}
