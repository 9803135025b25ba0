import Foundation

/// AGHQ for one term of S ≤ 3 columns on one grouping factor (Liu & Pierce 1994; Pinheiro &
/// Bates 1995; GLMMadaptive's rule, Rizopoulos). The integral factorizes by level j. With Lⱼ the
/// S × S lower factor of λᵀZⱼᵀWⱼZⱼλ + I at ûⱼ (level j's block of the factor's first block, the
/// Laplace approximation's precision of uⱼ), the change of variables u = ûⱼ + √2 Lⱼ⁻ᵀx gives
///
///     ∫ p(yⱼ | u) φ_S(u) du = π^{−S/2} |Lⱼ|⁻¹ ∫ e^{−‖x‖²} exp(log p(yⱼ | u) − ‖u‖²/2 + ‖x‖²) dx
///                           ≈ π^{−S/2} |Lⱼ|⁻¹ Σₖ wₖ exp(log p(yⱼ | uₖ) − ‖uₖ‖²/2 + ‖xₖ‖²),
///
/// on the tensor product of the K-point rule (wₖ the products of the weights, xₖ the nodes),
/// where at node k the linear predictor of row i is ηᵢ = η̂ᵢ + zᵢᵀMⱼxₖ, Mⱼ = √2 λ Lⱼ⁻ᵀ. With
/// K = 1 (x = 0, w = π^{S/2}) this is exp(log p(yⱼ | ûⱼ) − ‖ûⱼ‖²/2)/|Lⱼ|, the Laplace
/// approximation. The deviance is −2 Σⱼ log of it, binomial coefficients and log y! included.
extension AdaptiveQuadrature {
    func singleTermDeviance(_ model: GeneralizedLinearMixedModel, core: PenalizedLeastSquares, state: PIRLSState) -> Double {
        let s = dimension
        let z = model.blocks[0].z.elements
        let u = state.u[0]
        let y = model.design.response
        let prior = model.priorWeights
        let eta = state.eta
        let factor = core.first
        let lambda = core.lambdas[0]
        let family = model.family
        let link = model.link
        let nodeCount = nodeOffsets.count
        let root2 = 2.0.squareRoot()
        let constant = -0.5 * Double(s) * Foundation.log(Double.pi)
        // The scratch, moved out of the instance for the evaluation (no copy, no exclusivity checks).
        var terms: [Double] = [], rows: [Double] = [], small: [Double] = []
        swap(&terms, &self.terms)
        swap(&rows, &levelRows)
        swap(&small, &self.small)
        defer {
            swap(&terms, &self.terms)
            swap(&rows, &levelRows)
            swap(&small, &self.small)
        }
        // rows: y, prior weight and η̂ of each row of the level, then its S shifts zᵢᵀMⱼ.
        let stride = rows.count / (3 + s)
        let (yAt, weightAt, etaAt, shiftAt) = (0, stride, 2 * stride, 3 * stride)
        // small: Lⱼ⁻¹ (lower, column-major), then Mⱼ.
        let mapAt = s * s
        var deviance = 0.0
        for j in 0..<model.blocks[0].levelCount {
            let block = j * s * s
            var logDeterminant = 0.0
            for c in 0..<s {
                let diagonal = factor[block + c + c * s]
                guard diagonal > 0 else { return .infinity }
                logDeterminant += Foundation.log(diagonal)
                for r in 0..<s { small[r + c * s] = 0 }
                small[c + c * s] = 1 / diagonal
                for r in (c + 1)..<max(c + 1, s) {
                    var sum = 0.0
                    for m in c..<r { sum += factor[block + r + m * s] * small[m + c * s] }
                    small[r + c * s] = -sum / factor[block + r + r * s]
                }
            }
            // M[r, c] = √2 Σₘ λ[r, m] (L⁻ᵀ)[m, c], (L⁻ᵀ)[m, c] = (L⁻¹)[c, m].
            for r in 0..<s {
                for c in 0..<s {
                    var sum = 0.0
                    for m in 0..<s { sum += lambda[r + m * s] * small[c + m * s] }
                    small[mapAt + r + c * s] = root2 * sum
                }
            }
            let first = rowStart[j]
            let count = rowStart[j + 1] - first
            for t in 0..<count {
                let i = rowOrder[first + t]
                rows[yAt + t] = y[i]
                rows[weightAt + t] = prior[i]
                rows[etaAt + t] = eta[i]
                for c in 0..<s {
                    var sum = 0.0
                    for r in 0..<s { sum += z[r + i * s] * small[mapAt + r + c * s] }
                    rows[shiftAt + t * s + c] = sum
                }
            }
            for k in 0..<nodeCount {
                let x = k * s
                var logLikelihood = 0.0
                for t in 0..<count {
                    var value = rows[etaAt + t]
                    for c in 0..<s { value += rows[shiftAt + t * s + c] * nodes[x + c] }
                    logLikelihood += family.logLikelihood(rows[yAt + t], link.mean(value), weight: rows[weightAt + t])
                }
                // uₖ = ûⱼ + √2 L⁻ᵀxₖ.
                var norm = 0.0
                for a in 0..<s {
                    var value = u[j * s + a]
                    for c in a..<s { value += root2 * small[c + a * s] * nodes[x + c] }
                    norm += value * value
                }
                terms[k] = nodeOffsets[k] + logLikelihood - 0.5 * norm
            }
            deviance -= 2 * (constant - logDeterminant + Self.logSumExp(terms, count: nodeCount))
        }
        return deviance
    }
}
