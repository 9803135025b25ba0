import Foundation

/// Adaptive Gauss–Hermite quadrature for a model whose only random-effect term is one scalar
/// term (lme4's `nAGQ > 1` case): the integral over u factorizes by level j, and each factor is
/// integrated on K nodes centred at the conditional mode ûⱼ and scaled by its Laplace SD
/// sⱼ = 1/Lⱼⱼ, Lⱼⱼ² = 1 + λ² Σ_{i∈j} wᵢ zᵢ² (Liu & Pierce 1994; Pinheiro & Bates 1995):
///
///     ∫ p(yⱼ | u) φ(u) du ≈ √2 sⱼ Σₖ wₖ exp(log p(yⱼ | ûⱼ + √2 sⱼ xₖ) + log φ(ûⱼ + √2 sⱼ xₖ) + xₖ²).
///
/// With K = 1 this is the Laplace approximation. The deviance is −2 Σⱼ log of it, with the
/// binomial coefficients and log y! included (lme4 leaves them out for nAGQ > 1).
extension GeneralizedLinearMixedModel {
    /// Whether adaptive quadrature applies: a single random-effect term with one column.
    var quadratureApplies: Bool { blocks.count == 1 && blocks[0].dimension == 1 }

    /// The deviance by K-point adaptive quadrature at θ and the held β, from `state` after PIRLS
    /// (û) with `core` factored at its weights (Lⱼⱼ).
    func adaptiveQuadratureDeviance(_ core: PenalizedLeastSquares, state: PIRLSState, theta: [Double], rule: GaussHermiteRule) -> Double {
        let block = blocks[0]
        let lambda = theta[0]
        let n = design.nobs
        let levels = block.levelCount
        let u = state.u[0]
        // f_jk accumulated per level and node.
        var f = [Double](repeating: 0, count: levels * rule.nodes.count)
        var scale = [Double](repeating: 0, count: levels)
        for j in 0..<levels { scale[j] = 2.0.squareRoot() / core.first[j] }
        for i in 0..<n {
            let j = Int(block.codes[i])
            let z = block.z[0, i] * lambda
            let base = state.eta[i] - z * u[j]
            for (k, x) in rule.nodes.enumerated() {
                let eta = base + z * (u[j] + scale[j] * x)
                f[j * rule.nodes.count + k] += family.logLikelihood(design.response[i], link.mean(eta), weight: priorWeights[i])
            }
        }
        var deviance = 0.0
        for j in 0..<levels {
            var terms: [Double] = []
            for (k, x) in rule.nodes.enumerated() {
                let value = u[j] + scale[j] * x
                terms.append(Foundation.log(rule.weights[k]) + f[j * rule.nodes.count + k] - 0.5 * value * value + x * x)
            }
            let largest = terms.max() ?? 0
            let sum = terms.reduce(0) { $0 + Foundation.exp($1 - largest) }
            deviance -= 2 * (Foundation.log(scale[j]) - 0.5 * Foundation.log(2 * Double.pi) + largest + Foundation.log(sum))
        }
        return deviance
    }
}
