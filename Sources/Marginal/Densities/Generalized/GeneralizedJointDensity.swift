import Foundation

/// The joint posterior density of a generalized model with one scalar random-effect term,
/// non-centred, nothing integrated out: x = [β, log τ, u₁ … u_J] with bⱼ = τuⱼ, uⱼ ~ N(0, 1),
///
///     log p = Σᵢ ℓᵢ(oᵢ + xᵢᵀβ + τzᵢu_{g(i)}) − Σⱼ uⱼ²/2 + log p(β) + log p(τ) + log τ,
///
/// the last term the Jacobian of τ = e^x. What brms, Stan and NumPyro sample for such a model
/// (`--marginalize none`); the same posterior as ``QuadratureMarginalizedDensity``'s, which the
/// tests compare.
struct GeneralizedJointDensity: LogDensity, ScalarTermDensity {
    let model: GeneralizedLinearMixedModel
    let levels: QuadratureLevels
    let fixedPriors: [Prior]
    let sdPrior: Prior
    let p: Int
    let levelCount: Int
    /// Each row's level, in level order.
    let levelOfRow: [Int]
    var dimension: Int { p + 1 + levelCount }

    init(model: GeneralizedLinearMixedModel, fixedPriors: [Prior], sdPrior: Prior) throws(MixedModelError) {
        guard model.blocks.count == 1, let block = model.blocks.first, block.dimension == 1,
              model.link.canonicalTerms(0) != nil, model.family.dispersion == nil else {
            throw .quadratureNotApplicable(reason: "sampling every random effect of a generalized model is written for one scalar term, such as (1 | g), with a canonical link (binomial–logit, Poisson–log)")
        }
        self.model = model
        levels = QuadratureLevels(model: model, block: block)
        self.fixedPriors = fixedPriors
        self.sdPrior = sdPrior
        p = model.design.fixedEffects.p
        levelCount = block.levelCount
        levelOfRow = levels.rows.order.map { Int(block.codes[$0]) }
    }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let tau = Foundation.exp(x[p])
        guard tau.isFinite, tau > 0 else { return -.infinity }
        let levels = self.levels, matrix = model.design.fixedEffects.matrix, offset = model.offset
        for i in gradient.indices { gradient[i] = 0 }
        var total = 0.0
        var tauGradient = 0.0
        for (k, i) in levels.rows.order.enumerated() {
            let u = x[p + 1 + levelOfRow[k]]
            var eta = offset[i] + tau * levels.z[k] * u
            for c in 0..<p { eta += matrix[i, c] * x[c] }
            let d = levels.derivatives(k, eta: eta)
            total += d.value
            for c in 0..<p { gradient[c] += d.first * matrix[i, c] }
            gradient[p + 1 + levelOfRow[k]] += d.first * tau * levels.z[k]
            tauGradient += d.first * levels.z[k] * u
        }
        for j in 0..<levelCount {
            let u = x[p + 1 + j]
            total -= u * u / 2
            gradient[p + 1 + j] -= u
        }
        for c in 0..<p {
            let prior = fixedPriors[c].logDensityAndDerivative(x[c])
            total += prior.value
            gradient[c] += prior.derivative
        }
        let prior = sdPrior.logDensityAndDerivative(tau)
        total += prior.value + x[p]
        gradient[p] = tau * (tauGradient + prior.derivative) + 1
        return total.isFinite ? total : -.infinity
    }

    /// The effects are coordinates of x: bⱼ = τuⱼ.
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        let tau = Foundation.exp(x[p])
        for j in 0..<levelCount { effects[j] = tau * x[p + 1 + j] }
        return tau.isFinite
    }
}
