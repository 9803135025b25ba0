/// A log density on the unconstrained space ℝᵈ together with its gradient: what a
/// gradient-based sampler or optimizer needs from a model.
///
/// Models with constrained parameters (scales, correlations) map them to ℝᵈ first (log for
/// scales, an unconstrained transform for correlation matrices) and include the log Jacobian of
/// that map, so that the density here is the density of the unconstrained coordinates
/// (Stan Reference Manual, "Constraint transforms").
///
/// Evaluation is `mutating` so that a model can keep its workspace (factorizations, buffers)
/// inside the value and reuse it without allocating; each chain of a sampler works on its own
/// copy, and copy-on-write gives every copy its own workspace on first use.
public protocol LogDensity: Sendable {
    /// d, the number of unconstrained coordinates.
    var dimension: Int { get }

    /// log p(x) up to an additive constant, with ∇ log p(x) written into `gradient`
    /// (which has `dimension` elements on entry). Returns −∞ (gradient unspecified) where the
    /// density is zero or cannot be evaluated, e.g. a factorization that fails in rounding.
    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double
}
