import Foundation

/// The marginal log-likelihood ℓ(β, σ, T) of ``MarginalizedMixedModelDensity`` and its exact
/// gradient, from the blocked factor at θ = T/σ.
///
/// With ũ(β) = M⁻¹ΛᵀZᵀ(y − Xβ) (``PenalizedLeastSquares/solveRandomEffects(beta:noise:scale:into:)``)
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
/// The sums Σⱼ (M⁻¹)ⱼⱼ come from ``PenalizedLeastSquares/conditionalCovarianceSums(into:inverse:scratch:)``.
extension MarginalizedMixedModelDensity {
    /// Refactors at θ = T/σ from the decoded `globals` (unless the factor is already there).
    /// False when σ or a diagonal of T is not positive and finite, or the factor fails.
    /// With `withInverse`, a new factor also leaves L_TT,u⁻¹ in `workspace.trailingInverse`
    /// (`workspace.inverseIsCurrent`), computed together with the factor.
    mutating func refactor(withInverse: Bool = false) -> Bool {
        guard factor.thetaLayout.relative(globals.factors, sigma: globals.sigma, structured: globals.structureParameters, into: &workspace.theta) else {
            return false
        }
        if workspace.factorIsCurrent && workspace.theta == workspace.factoredTheta { return true }
        if withInverse && factor.products.denseRandomRows > 0 {
            workspace.factorIsCurrent = workspace.trailingInverse.withUnsafeMutableBufferPointer { w in
                factor.update(theta: workspace.theta, trailingInverse: w.baseAddress!)
            }
            workspace.inverseIsCurrent = workspace.factorIsCurrent
        } else {
            workspace.factorIsCurrent = factor.update(theta: workspace.theta)
            workspace.inverseIsCurrent = false
        }
        for i in workspace.theta.indices { workspace.factoredTheta[i] = workspace.theta[i] }
        return workspace.factorIsCurrent
    }

    /// ℓ at the decoded `globals`; with `gradient`, also writes ∂ℓ/∂β into `globals.betaAdjoint`
    /// and ∂ℓ/∂Tₖ into `globals.factorAdjoints` and returns ∂ℓ/∂σ. Nil where ℓ cannot be evaluated.
    mutating func likelihoodAndAdjoints(gradient: Bool) -> (value: Double, sigmaAdjoint: Double)? {
        loadEngineBeta()
        if let classes = levelClasses { return levelClassLikelihoodAndAdjoints(classes, gradient: gradient) }
        guard refactor(withInverse: gradient) else { return nil }
        let d = factor.products.denseSize
        let r = factor.products.denseRandomRows
        let deltaSquared = factor.trailing.withUnsafeBufferPointer { tp in
            fixedEffectResiduals(trailing: tp.baseAddress!, lda: d, offset: r)
        }
        let q = factor.penalizedResidualSumOfSquares + deltaSquared
        guard let value = logLikelihood(logDeterminant: factor.logDeterminantRandom, q: q) else { return nil }
        guard gradient else { return (value, 0) }

        factor.trailing.withUnsafeBufferPointer { tp in
            writeBetaAdjoint(trailing: tp.baseAddress!, lda: d, offset: r)
        }
        // ũ(β) and Σⱼ (M⁻¹)ⱼⱼ.
        workspace.beta.withUnsafeBufferPointer { bp in
            workspace.effects.withUnsafeMutableBufferPointer { up in
                factor.solveRandomEffects(beta: bp.baseAddress!, noise: nil, scale: 0, into: up.baseAddress!)
            }
        }
        let holdsFactorInverse = workspace.inverseIsCurrent
        workspace.inverseIsCurrent = false  // it is about to become S_T⁻¹
        guard factor.conditionalCovarianceSums(
            into: &workspace.sums, inverse: &workspace.trailingInverse, scratch: &workspace.scratch,
            holdsFactorInverse: holdsFactorInverse)
        else { return nil }
        // Σⱼ ũₖⱼũₖⱼᵀ per block (its effects are consecutive in u).
        var start = 0
        for (k, shape) in blockShapes.enumerated() {
            workspace.moments[k].withUnsafeMutableBufferPointer { w in
                workspace.effects.withUnsafeBufferPointer { up in
                    Self.addMoments(of: up.baseAddress! + start, levels: shape.levels, size: shape.dimension, into: w.baseAddress!)
                }
            }
            start += shape.levels * shape.dimension
        }
        return (value, sigmaAdjoint(q: q))
    }

    /// The single-factor path (``LevelClasses``): the same ℓ and adjoints from class sums, without
    /// the blocked factor.
    private mutating func levelClassLikelihoodAndAdjoints(_ classes: LevelClasses, gradient: Bool) -> (value: Double, sigmaAdjoint: Double)? {
        guard loadClassParameters() else { return nil }
        let s = classes.dimension
        let d = classes.columns
        let accumulated = workspace.lambda.withUnsafeBufferPointer { l in
            workspace.fixedWeights.withUnsafeBufferPointer { v in
                workspace.scratch.withUnsafeMutableBufferPointer { scratch in
                    classes.accumulate(
                        lambda: l.baseAddress!, v: gradient ? v.baseAddress! : nil, into: &workspace.classTerms,
                        scratch: scratch.baseAddress!)
                }
            }
        }
        guard accumulated else { return nil }
        // The trailing factor chol([X y]ᵀ[X y] − Σ_c P_cP_cᵀ), d × d.
        let factored = workspace.trailingFactor.withUnsafeMutableBufferPointer { tp in
            classes.fixedCrossProducts.withUnsafeBufferPointer { fp in
                workspace.classTerms.downdate.withUnsafeBufferPointer { dp in
                    let t = tp.baseAddress!
                    var index = 0
                    for j in 0..<d {
                        for i in j..<d {
                            t[i + j * d] = fp[index] - dp[index]
                            index += 1
                        }
                    }
                    return d <= 16 ? SmallMatrix.choleskyLower(t, size: d) : LAPACK.choleskyLower(n: d, a: t, lda: d)
                }
            }
        }
        guard factored else { return nil }
        let (deltaSquared, residual) = workspace.trailingFactor.withUnsafeBufferPointer { tp in
            (fixedEffectResiduals(trailing: tp.baseAddress!, lda: d, offset: 0), tp[d * d - 1])
        }
        let q = residual * residual + deltaSquared
        guard let value = logLikelihood(logDeterminant: workspace.classTerms.logDeterminant, q: q) else { return nil }
        guard gradient else { return (value, 0) }
        workspace.trailingFactor.withUnsafeBufferPointer { tp in
            writeBetaAdjoint(trailing: tp.baseAddress!, lda: d, offset: 0)
        }
        for i in 0..<(s * s) {
            workspace.sums[0][i] = workspace.classTerms.inverseSum[i]
            workspace.moments[0][i] = workspace.classTerms.effectMoments[i]
        }
        return (value, sigmaAdjoint(q: q))
    }

    /// λ = T₁/σ (the free positions of the single block's factor) into `workspace.lambda` and
    /// v = [−β; 1] into `workspace.fixedWeights`, for the ``LevelClasses`` path. False when σ or
    /// a diagonal of T is not positive and finite, or λ is not finite (as ``refactor(withInverse:)``).
    mutating func loadClassParameters() -> Bool {
        let sigma = globals.sigma
        guard sigma > 0, sigma.isFinite else { return false }
        let s = blockShapes[0].dimension
        let ok = globals.factors[0].withUnsafeBufferPointer { t -> Bool in
            workspace.lambda.withUnsafeMutableBufferPointer { l -> Bool in
                firstFreeIndices.withUnsafeBufferPointer { free -> Bool in
                    for a in 0..<s where !(t[a * (s + 1)] > 0 && t[a * (s + 1)].isFinite) { return false }
                    l.update(repeating: 0)
                    for index in free {
                        let value = t[index] / sigma
                        guard value.isFinite else { return false }
                        l[index] = value
                    }
                    return true
                }
            }
        }
        guard ok else { return false }
        let p = workspace.beta.count
        for j in 0..<p { workspace.fixedWeights[j] = -workspace.beta[j] }
        workspace.fixedWeights[p] = 1
        return true
    }

    /// δ = L_Xᵀβ − l_y,X into `workspace.delta`, from the trailing factor (leading dimension `lda`,
    /// X rows from `offset`, y row last); returns ‖δ‖².
    private mutating func fixedEffectResiduals(trailing t: UnsafePointer<Double>, lda d: Int, offset r: Int) -> Double {
        let p = workspace.delta.count
        var deltaSquared = 0.0
        for j in 0..<p {
            let column = t + (r + j) * d
            var value = -column[d - 1]
            for i in j..<p { value += column[r + i] * workspace.beta[i] }
            workspace.delta[j] = value
            deltaSquared += value * value
        }
        return deltaSquared
    }

    /// ℓ = −n/2 log 2π − n log σ − ½ log det M − q/(2σ²), or nil when not finite.
    private func logLikelihood(logDeterminant: Double, q: Double) -> Double? {
        let sigma = globals.sigma
        let value = normalizingConstant - Double(observations) * Foundation.log(sigma) - 0.5 * logDeterminant - q / (2 * sigma * sigma)
        return value.isFinite ? value : nil
    }

    /// β̃ = Rβ − c into `workspace.beta` from the decoded `globals` (``FixedEffectsBasis``).
    mutating func loadEngineBeta() {
        globals.beta.withUnsafeBufferPointer { bp in
            workspace.beta.withUnsafeMutableBufferPointer { out in
                guard let beta = bp.baseAddress, let engine = out.baseAddress else { return }
                factor.products.basis.engineCoordinates(beta, into: engine)
            }
        }
    }

    /// ∂ℓ/∂β = Rᵀ ∂ℓ/∂β̃ = −Rᵀ L_X δ / σ² into `globals.betaAdjoint`.
    private mutating func writeBetaAdjoint(trailing t: UnsafePointer<Double>, lda d: Int, offset r: Int) {
        let p = workspace.delta.count
        let sigma2 = globals.sigma * globals.sigma
        for i in 0..<p {
            var sum = 0.0
            for j in 0...i { sum += t[(r + i) + (r + j) * d] * workspace.delta[j] }
            globals.betaAdjoint[i] = -sum / sigma2
        }
        factor.products.basis.pullBack(&globals.betaAdjoint)
    }

    /// out ← Σ over `levels` consecutive S-vectors u of u uᵀ (S × S, both triangles).
    static func addMoments(of u: UnsafePointer<Double>, levels: Int, size s: Int, into out: UnsafeMutablePointer<Double>) {
        if s == 1 {
            out[0] = VectorKernels.dot(u, u, count: levels)
            return
        }
        for b in 0..<s {
            for a in b..<s {
                var sum = 0.0
                for level in 0..<levels { sum += u[level * s + a] * u[level * s + b] }
                out[a + b * s] = sum
                out[b + a * s] = sum
            }
        }
    }

    /// From `workspace.sums` (Σⱼ (M⁻¹)ⱼⱼ) and `workspace.moments` (Σⱼ ũũᵀ): Wₖ, ∂ℓ/∂Tₖ = Tₖ⁻ᵀWₖ
    /// into `globals.factorAdjoints`, and ∂ℓ/∂σ = −n/σ + q/σ³ − Σₖ tr(Wₖ)/σ.
    private mutating func sigmaAdjoint(q: Double) -> Double {
        let sigma = globals.sigma
        let sigma2 = sigma * sigma
        var traceW = 0.0
        for (k, shape) in blockShapes.enumerated() {
            let s = shape.dimension
            let levels = shape.levels
            workspace.sums[k].withUnsafeMutableBufferPointer { w in
                workspace.moments[k].withUnsafeBufferPointer { m in
                    for index in 0..<(s * s) { w[index] += m[index] / sigma2 }
                }
                for b in 0..<s {
                    w[b + b * s] -= Double(levels)
                    traceW += w[b + b * s]
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
        return -Double(observations) / sigma + q / (sigma2 * sigma) - traceW / sigma
    }
}
