/// One step of the ECME algorithm for a linear mixed model, as a map θ → θ′ on the relative
/// covariance parameters (Liu & Rubin 1994, "The ECME algorithm", *Biometrika* 81(4); the
/// E-step and covariance M-step are those of Laird & Ware 1982 and Lindstrom & Bates 1988).
///
/// The iterate is (θ, β̂_θ, σ̂²_θ): β and σ² always sit at their profiled optimum for θ, so the
/// observed-data objective at the iterate is the profiled deviance d(θ) (or REML criterion) of
/// ``LinearMixedModel/objective(theta:criterion:)``. One step:
///
/// 1. **E-step** from the blocked Cholesky factor L(θ): u | y ~ N(ũ, σ̂² V) with ũ the conditional
///    modes and V = (ΛᵀZᵀZΛ + I)⁻¹ (ML). For REML, β is treated as random with a flat prior and
///    integrated out as well, so V is the u-block of the inverse of the whole [u; β] system,
///    which adds the β-uncertainty term (``PenalizedLeastSquares/conditionalCovarianceBlocks(integratingFixedEffects:)``).
/// 2. **CM-step for the covariances**, with (β, σ²) held: for block k with ℓ levels and
///    b_j = λ u_j, S_k = (1/ℓ) Σⱼ E[b_j b_jᵀ] = λ T λᵀ σ̂² where T = (1/ℓ) Σⱼ (ũ_j ũ_jᵀ/σ̂² + V_j);
///    the new Σ_k is S_k projected on the block's structure (``CovarianceFactor/theta(fromRelativeCovariance:)``),
///    and with σ² held the new λ satisfies λ′λ′ᵀ = Σ_k/σ̂², so σ̂² cancels: λ′λ′ᵀ = proj(λ T λᵀ).
/// 3. **CM-step for (β, σ²) on the observed likelihood** (the "either" in ECME), with θ held:
///    β̂_θ′ and σ̂²_θ′ = r²_θ′/n (ML) or r²_θ′/(n − p) (REML), which is what the profiled objective
///    at θ′ already is; nothing to compute until the next E-step's factorization.
///
/// The first CM-step raises the expected complete-data log likelihood (so the likelihood, by the
/// EM inequality) and the second maximizes the likelihood itself over a set containing the
/// current point, so d(θ′) ≤ d(θ): the map is monotone.
struct ECMEMap {
    private var factor: PenalizedLeastSquares
    let criterion: FitCriterion

    /// The objective at θ and the map's image of θ.
    struct Step {
        var objective: Double
        var next: [Double]
    }

    init(products: CrossProducts, factors: [CovarianceFactor], criterion: FitCriterion) {
        factor = PenalizedLeastSquares(products: products, factors: factors)
        self.criterion = criterion
    }

    /// The objective at θ alone (one factorization, no E-step), or nil when L(θ) cannot be formed.
    mutating func objective(at theta: [Double]) -> Double? {
        guard factor.update(theta: theta) else { return nil }
        return currentObjective()
    }

    /// The objective at θ and F(θ), or nil when L(θ) cannot be formed or σ̂² is not positive.
    mutating func apply(_ theta: [Double]) -> Step? {
        guard factor.update(theta: theta), let objective = currentObjective() else { return nil }
        let products = factor.products
        let dof = Double(criterion.residualDegreesOfFreedom(n: products.n, p: products.p))
        let sigma2 = factor.penalizedResidualSumOfSquares / dof
        guard sigma2 > 0, sigma2.isFinite else { return nil }
        let (u, _) = factor.solve()
        let v = factor.conditionalCovarianceBlocks(integratingFixedEffects: criterion == .reml)
        var next: [Double] = []
        next.reserveCapacity(theta.count)
        for (k, covarianceFactor) in factor.factors.enumerated() {
            let s = covarianceFactor.dimension
            let levels = u[k].count / s
            var t = [Double](repeating: 0, count: s * s)
            for level in 0..<levels {
                for b in 0..<s {
                    let ub = u[k][level * s + b] / sigma2
                    for a in 0..<s { t[a + b * s] += u[k][level * s + a] * ub + v[k][level * s * s + a + b * s] }
                }
            }
            let scale = 1 / Double(levels)
            for i in t.indices { t[i] *= scale }
            let relative = Self.congruence(lambda: factor.lambdas[k], t, size: s)
            next.append(contentsOf: covarianceFactor.theta(fromRelativeCovariance: relative))
        }
        return Step(objective: objective, next: next)
    }

    private func currentObjective() -> Double? {
        let products = factor.products
        let value = criterion.objective(
            logDetRandom: factor.logDeterminantRandom, logDetFixed: factor.logDeterminantFixed,
            pwrss: factor.penalizedResidualSumOfSquares, n: products.n, p: products.p,
            logWeightSum: products.logWeightSum)
        return value.isFinite ? value : nil
    }

    /// λ T λᵀ for lower-triangular λ and symmetric T (S × S, column-major).
    static func congruence(lambda: [Double], _ t: [Double], size s: Int) -> [Double] {
        var lt = [Double](repeating: 0, count: s * s)
        for j in 0..<s {
            for i in 0..<s {
                var sum = 0.0
                for k in 0...i { sum += lambda[i + k * s] * t[k + j * s] }
                lt[i + j * s] = sum
            }
        }
        var out = [Double](repeating: 0, count: s * s)
        for j in 0..<s {
            for i in 0..<s {
                var sum = 0.0
                for k in 0...j { sum += lt[i + k * s] * lambda[j + k * s] }
                out[i + j * s] = sum
            }
        }
        return out
    }
}
