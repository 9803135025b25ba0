import Foundation

/// The per-level statistics that partially centre a generalized model's sampled scalar terms
/// (``PartialCentering`` with σ = 1), from the working weights of its Laplace fit, the pilot.
///
/// Near the pilot's linear predictor η̂ the log-likelihood of row i is quadratic,
/// ℓᵢ(η) ≈ ℓᵢ(η̂ᵢ) + rᵢ(η − η̂ᵢ) − Wᵢ(η − η̂ᵢ)²/2 with rᵢ = ℓᵢ′(η̂ᵢ) and the working weight
/// Wᵢ = −ℓᵢ″(η̂ᵢ) (Fisher information; IRLS, McCullagh & Nelder 1989 §2.5): the likelihood of a
/// linear model with σ² = 1, so the linear model's standardization applies, with level l of
/// term k's information g̃_l = Σ_{i∈l} Wᵢzᵢ² setting the scale s_l = τ/√(1 + g̃_l τ²).
///
/// The location m_l = τ²(õ_l − c̃_lᵀβ)/(1 + g̃_l τ²) is matched to the Gaussian approximation of
/// the effects' joint conditional at the pilot, given β: with M = ΛᵀZᵀWZΛ + I at (θ̂, Ŵ), its
/// mean moves with β as E[b | β] = b̂ − A(β − β̂), A = ΛM⁻¹ΛᵀZᵀWX, one solve with PIRLS's factor
/// per column of X (``PenalizedLeastSquares/solveRandomSystem(_:)``). Choosing
///
///     c̃_l = A_l (1 + g̃_l τ̂²)/τ̂²,   õ_l = c̃_lᵀβ̂ + b̂_l (1 + g̃_l τ̂²)/τ̂²
///
/// makes m_l equal E[b_l | β] at τ = τ̂ for every β, crossed terms included: taken term by term
/// (c̃_l = Σ_{i∈l} Wᵢzᵢxᵢ, each term as if the others were held), two crossed intercepts would
/// each absorb most of a move of β₀ and together overshoot it, leaving the intercept's
/// coordinate tied to the effects (a 200,000-row crossed Bernoulli design mixed 10× slower in it).
/// With one term the two agree. Where the factor does not serve (nested blocks) or τ̂ is 0, the
/// term-by-term statistics are used, with õ_l = c̃_lᵀβ̂ + g̃_l b̂_l + Σ_{i∈l} zᵢrᵢ (m_l = b̂_l at the
/// pilot, where Σ zᵢrᵢ = b̂_l/τ̂²). Only the geometry depends on the pilot, never the target
/// (``PartialCentering`` is an exact change of variables for any statistics).
enum WorkingWeightPilot {
    /// The statistics of every scalar engine block of `model` at the pilot `fit` (a Laplace fit of
    /// the same model), nil for the other blocks.
    static func centerings(model: GeneralizedLinearMixedModel, fit: GeneralizedLinearMixedModelFit) -> [PartialCentering?] {
        let x = model.design.fixedEffects.matrix
        let p = x.columns, n = model.design.nobs
        let y = model.design.response
        let beta = fit.fixedEffects.map(\.estimate)
        var weights = [Double](repeating: 0, count: n), scores = weights
        for i in 0..<n {
            guard let t = model.link.canonicalTerms(fit.linearPredictor[i]) else { continue }
            weights[i] = model.priorWeights[i] * t.derivative
            scores[i] = model.priorWeights[i] * (y[i] - t.mean)
        }
        let lambdas = model.thetaLayout.lambdas(fit.theta)
        let coupling = jointCoupling(model: model, fit: fit, lambdas: lambdas, weights: weights)
        return model.blocks.enumerated().map { k, block in
            guard block.dimension == 1 else { return nil }
            let levels = block.levelCount
            var information = [Double](repeating: 0, count: levels)
            var response = information
            var design = [Double](repeating: 0, count: levels * p)
            for i in 0..<n {
                let level = Int(block.codes[i]), z = block.z[0, i]
                information[level] += weights[i] * z * z
                response[level] += z * scores[i]
                for c in 0..<p { design[level * p + c] += weights[i] * z * x[i, c] }
            }
            let tau = lambdas[k][0, 0]
            if let coupling, tau > 0 {
                let tau2 = tau * tau
                for level in 0..<levels {
                    let scale = (1 + information[level] * tau2) / tau2
                    var fitted = fit.randomEffects[k].modes[level, 0] * scale
                    for c in 0..<p {
                        design[level * p + c] = coupling[k][level * p + c] * scale
                        fitted += design[level * p + c] * beta[c]
                    }
                    response[level] = fitted
                }
            } else {
                for level in 0..<levels {
                    var fitted = information[level] * fit.randomEffects[k].modes[level, 0]
                    for c in 0..<p { fitted += design[level * p + c] * beta[c] }
                    response[level] += fitted
                }
            }
            return PartialCentering(information: information, response: response, design: design)
        }
    }

    /// A = ΛM⁻¹ΛᵀZᵀWX at the pilot, per engine block its ℓ × p values (level-major; S = 1 blocks
    /// only, empty for the others), with M factored by PIRLS at the fit's θ̂ (whose blocks' Λ are
    /// `lambdas`) and β̂; nil where the design has nested blocks or PIRLS fails.
    private static func jointCoupling(
        model: GeneralizedLinearMixedModel, fit: GeneralizedLinearMixedModelFit, lambdas: [Matrix], weights: [Double]
    ) -> [[Double]]? {
        var core = model.effectsOnly
        guard core.products.nested.isEmpty else { return nil }
        var state = model.startingState
        state.beta = fit.fixedEffects.map(\.estimate)
        guard (try? model.pirls(&core, theta: fit.theta, state: &state, holdingBeta: true)) != nil, core.isPositiveDefinite else { return nil }
        let x = model.design.fixedEffects.matrix
        let p = x.columns, n = model.design.nobs
        let ranges = core.blockEffectRanges
        var coupling = model.blocks.map { $0.dimension == 1 ? [Double](repeating: 0, count: $0.levelCount * p) : [] }
        for c in 0..<p {
            // r = ΛᵀZᵀW x_c in the factor's layout.
            var r = [Double](repeating: 0, count: core.randomEffectCount)
            for (k, block) in model.blocks.enumerated() {
                let s = block.dimension, lambda = lambdas[k], start = ranges[k].lowerBound
                for i in 0..<n {
                    let value = weights[i] * x[i, c]
                    let base = start + Int(block.codes[i]) * s
                    for a in 0..<s {
                        var sum = 0.0
                        for b in a..<s { sum += lambda[b, a] * block.z[b, i] }
                        r[base + a] += sum * value
                    }
                }
            }
            let v = core.solveRandomSystem(r)
            for (k, block) in model.blocks.enumerated() where block.dimension == 1 {
                let lambda = lambdas[k][0, 0], start = ranges[k].lowerBound
                for level in 0..<block.levelCount { coupling[k][level * p + c] = lambda * v[start + level] }
            }
        }
        return coupling
    }
}
