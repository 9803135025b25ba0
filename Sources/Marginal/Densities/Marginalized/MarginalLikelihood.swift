import Foundation

/// The marginal log-likelihood ℓ(β, σ, T) of ``MarginalizedMixedModelDensity`` and its exact
/// gradient, from the blocked factor at θ = T/σ.
///
/// With ũ(β) = M⁻¹ΛᵀZᵀ(y − Xβ) (``BlockedCholesky/solveRandomEffects(beta:noise:scale:into:)``)
/// and e = y − Xβ − ZΛũ:
///
/// - β: q = r² + ‖δ‖² with δ = L_Xᵀβ − l_y,X (since L_Xᵀβ̂ = l_y,X), so
///   ∂ℓ/∂β = −L_X δ / σ².
/// - λₖ at fixed σ: the penalized least-squares problem defining q is minimized at ũ, so by the
///   envelope theorem ∂q/∂λₖ = −2 Σⱼ (Zᵀe)ₖⱼ ũₖⱼᵀ, and the normal equations Mũ = ΛᵀZᵀ(y − Xβ)
///   give ΛᵀZᵀe = ũ, i.e. (Zᵀe)ₖⱼ = λₖ⁻ᵀ ũₖⱼ. With d log det M = 2 tr((I − M⁻¹) Λ⁻¹ dΛ)
///   (from ΛᵀZᵀZ = (M − I)Λ⁻¹), the two terms combine into
///
///       ∂ℓ/∂λₖ = λₖ⁻ᵀ Wₖ,   Wₖ = Σⱼ [(M⁻¹)ⱼⱼ + ũₖⱼũₖⱼᵀ/σ²] − ℓₖ I,
///
///   the familiar EM form: E[uuᵀ | y]/σ² summed over the levels, minus its prior value.
///   λₖ is invertible because the SDs are positive; only the free (lower) entries are used.
/// - T = σλ: ∂ℓ/∂Tₖ = Tₖ⁻ᵀ Wₖ and ∂ℓ/∂σ|_T = −n/σ + q/σ³ − Σₖ tr(Wₖ)/σ
///   (because ⟨∂ℓ/∂λₖ, λₖ⟩ = tr Wₖ).
///
/// The sums Σⱼ (M⁻¹)ⱼⱼ come from ``BlockedCholesky/conditionalCovarianceSums(into:inverse:scratch:)``.
extension MarginalizedMixedModelDensity {
    /// Refactors at θ = T/σ from the decoded `globals` (unless the factor is already there).
    /// False when σ or a diagonal of T is not positive and finite, or the factor fails.
    mutating func refactor() -> Bool {
        let sigma = globals.sigma
        guard sigma > 0, sigma.isFinite else { return false }
        var offset = 0
        var same = workspace.factorIsCurrent
        for (k, covariance) in factor.factors.enumerated() {
            let s = covariance.dimension
            let t = globals.factors[k]
            for a in 0..<s where !(t[a * (s + 1)] > 0 && t[a * (s + 1)].isFinite) { return false }
            for position in covariance.freePositions {
                let value = t[position.row + position.column * s] / sigma
                guard value.isFinite else { return false }
                workspace.theta[offset] = value
                if value != workspace.factoredTheta[offset] { same = false }
                offset += 1
            }
        }
        if same { return true }
        workspace.factorIsCurrent = factor.update(theta: workspace.theta)
        for i in workspace.theta.indices { workspace.factoredTheta[i] = workspace.theta[i] }
        return workspace.factorIsCurrent
    }

    /// ℓ at the decoded `globals`; with `gradient`, also writes ∂ℓ/∂β into `globals.betaAdjoint`
    /// and ∂ℓ/∂Tₖ into `globals.factorAdjoints` and returns ∂ℓ/∂σ. Nil where ℓ cannot be evaluated.
    mutating func likelihoodAndAdjoints(gradient: Bool) -> (value: Double, sigmaAdjoint: Double)? {
        guard refactor() else { return nil }
        let sigma = globals.sigma
        let n = Double(observations)
        let products = factor.products
        let p = products.p
        let d = products.trailingSize
        let r = products.fixedOffset
        // δ = L_Xᵀβ − l_y,X and q = r² + ‖δ‖².
        var deltaSquared = 0.0
        factor.trailing.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            for j in 0..<p {
                let column = t + (r + j) * d
                var value = -column[d - 1]
                for i in j..<p { value += column[r + i] * globals.beta[i] }
                workspace.delta[j] = value
                deltaSquared += value * value
            }
        }
        let q = factor.penalizedResidualSumOfSquares + deltaSquared
        let sigma2 = sigma * sigma
        let value = normalizingConstant - n * Foundation.log(sigma) - 0.5 * factor.logDeterminantRandom - q / (2 * sigma2)
        guard value.isFinite else { return nil }
        guard gradient else { return (value, 0) }

        // ∂ℓ/∂β = −L_X δ / σ².
        factor.trailing.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            for i in 0..<p {
                var sum = 0.0
                for j in 0...i { sum += t[(r + i) + (r + j) * d] * workspace.delta[j] }
                globals.betaAdjoint[i] = -sum / sigma2
            }
        }
        // ũ(β) and Σⱼ (M⁻¹)ⱼⱼ.
        globals.beta.withUnsafeBufferPointer { bp in
            workspace.effects.withUnsafeMutableBufferPointer { up in
                factor.solveRandomEffects(beta: bp.baseAddress!, noise: nil, scale: 0, into: up.baseAddress!)
            }
        }
        guard factor.conditionalCovarianceSums(
            into: &workspace.sums, inverse: &workspace.trailingInverse, scratch: &workspace.scratch)
        else { return nil }

        // Wₖ = sumsₖ + Σⱼ ũₖⱼũₖⱼᵀ/σ² − ℓₖ I, then ∂ℓ/∂Tₖ = Tₖ⁻ᵀ Wₖ.
        let firstCount = products.firstLevels * products.firstDimension
        var traceW = 0.0
        for k in factor.factors.indices {
            let s = factor.factors[k].dimension
            let start = k == 0 ? 0 : firstCount + products.trailingRange(ofBlock: k).lowerBound
            let levels = k == 0 ? products.firstLevels : products.trailingRange(ofBlock: k).count / s
            workspace.sums[k].withUnsafeMutableBufferPointer { w in
                workspace.effects.withUnsafeBufferPointer { up in
                    let u = up.baseAddress! + start
                    for b in 0..<s {
                        for a in b..<s {
                            var sum = 0.0
                            for level in 0..<levels { sum += u[level * s + a] * u[level * s + b] }
                            w[a + b * s] += sum / sigma2
                            if a != b { w[b + a * s] = w[a + b * s] }
                        }
                        w[b + b * s] -= Double(levels)
                        traceW += w[b + b * s]
                    }
                }
                globals.factors[k].withUnsafeBufferPointer { t in
                    globals.factorAdjoints[k].withUnsafeMutableBufferPointer { g in
                        // Solve Tᵀ G = W (Tᵀ upper triangular), column by column.
                        for j in 0..<s {
                            for i in stride(from: s - 1, through: 0, by: -1) {
                                var sum = w[i + j * s]
                                for m in (i + 1)..<max(s, i + 1) { sum -= t[m + i * s] * g[m + j * s] }
                                g[i + j * s] = sum / t[i + i * s]
                            }
                        }
                    }
                }
            }
        }
        let sigmaAdjoint = -n / sigma + q / (sigma2 * sigma) - traceW / sigma
        return (value, sigmaAdjoint)
    }
}
