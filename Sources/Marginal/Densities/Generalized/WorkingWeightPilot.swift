import Foundation

/// The per-level statistics that partially centre a generalized model's sampled scalar term
/// (``PartialCentering`` with σ = 1), from the working weights of its Laplace fit, the pilot.
///
/// Near the pilot's linear predictor η̂ the log-likelihood of row i is quadratic,
/// ℓᵢ(η) ≈ ℓᵢ(η̂ᵢ) + rᵢ(η − η̂ᵢ) − Wᵢ(η − η̂ᵢ)²/2 with rᵢ = ℓᵢ′(η̂ᵢ) and the working weight
/// Wᵢ = −ℓᵢ″(η̂ᵢ) (Fisher information; IRLS, McCullagh & Nelder 1989 §2.5). As a function of
/// level l's effect b_l of term k, with the other terms at their pilot modes, that is the
/// likelihood of a linear model with σ² = 1, so the linear model's standardization applies:
///
///     g̃_l = Σ_{i∈l} Wᵢzᵢ²,   c̃_l = Σ_{i∈l} Wᵢzᵢxᵢ,   õ_l = c̃_lᵀβ̂ + g̃_l b̂_l + Σ_{i∈l} zᵢrᵢ,
///
/// so that m_l = τ²(õ_l − c̃_lᵀβ)/(1 + g̃_l τ²) is the mean of the Gaussian approximation of
/// b_l's conditional given β, τ and the other effects at the pilot. At the pilot itself
/// (β̂, τ̂, b̂ the conditional mode, where Σ zᵢrᵢ = b̂_l/τ̂²) m_l = b̂_l. Other sampled terms are
/// not projected out, as in the linear model. Only the geometry depends on the pilot, never the
/// target (``PartialCentering`` is an exact change of variables for any statistics).
enum WorkingWeightPilot {
    /// The statistics of scalar engine block `k` of `model` at the pilot `fit` (a Laplace fit of
    /// the same model).
    static func centering(model: GeneralizedLinearMixedModel, fit: GeneralizedLinearMixedModelFit, block k: Int) -> PartialCentering {
        let block = model.blocks[k]
        let levels = block.levelCount
        let x = model.design.fixedEffects.matrix
        let p = x.columns
        let y = model.design.response
        let beta = fit.fixedEffects.map(\.estimate)
        var information = [Double](repeating: 0, count: levels)
        var response = information
        var design = [Double](repeating: 0, count: levels * p)
        for i in 0..<model.design.nobs {
            guard let t = model.link.canonicalTerms(fit.linearPredictor[i]) else { continue }
            let m = model.priorWeights[i]
            let weight = m * t.derivative
            let score = m * (y[i] - t.mean)
            let level = Int(block.codes[i])
            let z = block.z[0, i]
            information[level] += weight * z * z
            response[level] += z * score
            for c in 0..<p { design[level * p + c] += weight * z * x[i, c] }
        }
        for level in 0..<levels {
            var fitted = information[level] * fit.randomEffects[k].modes[level, 0]
            for c in 0..<p { fitted += design[level * p + c] * beta[c] }
            response[level] += fitted
        }
        return PartialCentering(information: information, response: response, design: design)
    }
}
