import Foundation

/// The separate pieces of ``MixedModelParameterization/completeGradient(_:globals:sigmaAdjoint:gradient:)``
/// that joint MAP and its gradient-flow report need: the chain rule alone, the log prior alone and
/// the log Jacobian alone.
///
/// `completeGradient` is affine in the adjoints it is given: it returns
/// ∇ₓ = A(x)·(∂ℓ/∂β, ∂ℓ/∂σ, ∂ℓ/∂T) + ∇ₓ(log prior + log |J|). So the chain rule of any function
/// of (β, σ, T) is `completeGradient(adjoints) − completeGradient(0)`, and the prior and Jacobian
/// terms are `completeGradient(0)` with the real priors and with every prior flat. Nothing here
/// repeats the layout's transforms.
extension MixedModelParameterization {
    /// ∇ₓ f for a function f(β, σ, T₁, …, T_K) of the decoded globals, given its adjoints:
    /// ∂f/∂β (p values or empty for zero), ∂f/∂σ and ∂f/∂T_k (S_k × S_k column-major, lower
    /// triangle read; empty arrays for zero). `globals` must hold the decode of `x`.
    func chainRule(
        _ x: [Double], globals: inout GlobalParameters,
        betaAdjoint: [Double], sigmaAdjoint: Double, factorAdjoints: [[Double]]
    ) -> [Double] {
        let saved = (globals.betaAdjoint, globals.factorAdjoints)
        defer { (globals.betaAdjoint, globals.factorAdjoints) = saved }
        for j in globals.betaAdjoint.indices { globals.betaAdjoint[j] = j < betaAdjoint.count ? betaAdjoint[j] : 0 }
        for k in globals.factorAdjoints.indices {
            for i in globals.factorAdjoints[k].indices {
                globals.factorAdjoints[k][i] = k < factorAdjoints.count && i < factorAdjoints[k].count ? factorAdjoints[k][i] : 0
            }
        }
        var withAdjoints = [Double](repeating: 0, count: dimension)
        _ = completeGradient(x, globals: &globals, sigmaAdjoint: sigmaAdjoint, gradient: &withAdjoints)
        let constant = priorAndJacobian(x, globals: &globals).gradient
        return zip(withAdjoints, constant).map { $0 - $1 }
    }

    /// log prior + log |J| at x and its gradient: `completeGradient` with zero adjoints.
    /// `globals` must hold the decode of `x`.
    func priorAndJacobian(_ x: [Double], globals: inout GlobalParameters) -> (value: Double, gradient: [Double]) {
        let saved = (globals.betaAdjoint, globals.factorAdjoints)
        defer { (globals.betaAdjoint, globals.factorAdjoints) = saved }
        for j in globals.betaAdjoint.indices { globals.betaAdjoint[j] = 0 }
        for k in globals.factorAdjoints.indices {
            for i in globals.factorAdjoints[k].indices { globals.factorAdjoints[k][i] = 0 }
        }
        var gradient = [Double](repeating: 0, count: dimension)
        let value = completeGradient(x, globals: &globals, sigmaAdjoint: 0, gradient: &gradient)
        return (value, gradient)
    }

    /// The log Jacobian of x ↦ (β, σ, sd, L) alone, log |J| = log σ + Σ log sd + Σ (correlation
    /// transform terms), and its gradient: ``priorAndJacobian(_:globals:)`` with every prior flat
    /// (a flat correlation prior adds no LKJ term).
    func logJacobian(_ x: [Double], globals: inout GlobalParameters) -> (value: Double, gradient: [Double]) {
        var flat = self
        flat.priors.fixedEffects = priors.fixedEffects.map { _ in .flat }
        flat.priors.sigma = .flat
        flat.priors.standardDeviations = priors.standardDeviations.map { _ in .flat }
        flat.priors.correlations = priors.correlations.map { _ in .flat }
        return flat.priorAndJacobian(x, globals: &globals)
    }

    /// Σ_k ℓ_k log |T_k| = Σ_k ℓ_k Σ_a log T_k,aa, the log Jacobian of b ↦ z = T⁻¹b over every
    /// level of every block (`levelCounts[k]` levels of block k), with its adjoints
    /// ∂/∂T_k,aa = ℓ_k / T_k,aa (S_k × S_k column-major, zero off the diagonal), for
    /// ``chainRule(_:globals:betaAdjoint:sigmaAdjoint:factorAdjoints:)``. A joint MAP objective
    /// in non-centred coordinates subtracts it, so that it maximizes the density of (β, b, Σ)
    /// rather than of (β, z, Σ).
    static func effectsLogJacobian(factors: [[Double]], dimensions: [Int], levelCounts: [Int]) -> (value: Double, factorAdjoints: [[Double]]) {
        var value = 0.0
        var adjoints: [[Double]] = []
        for (k, t) in factors.enumerated() {
            let s = dimensions[k]
            var adjoint = [Double](repeating: 0, count: s * s)
            for a in 0..<s {
                value += Double(levelCounts[k]) * log(t[a + a * s])
                adjoint[a + a * s] = Double(levelCounts[k]) / t[a + a * s]
            }
            adjoints.append(adjoint)
        }
        return (value, adjoints)
    }
}
