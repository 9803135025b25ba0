import Foundation

/// The likelihood term of ``JointMixedModelDensity`` on its own, for the gradient-flow report of
/// joint MAP (which needs the likelihood's gradient apart from the prior's):
///
///     ℓ(β, b, σ) = log N(y; Xβ + Σ_k Z_k b_k, σ² I)
///               = −(n/2) log 2π − n log σ − ‖e‖²/(2σ²),   e = y − Xβ − Σ_k Z_k b_k,
///     ∂ℓ/∂β = Xᵀe/σ²,   ∂ℓ/∂b_kj = Σ_{n in level j} z_n e_n/σ²,   ∂ℓ/∂σ = −n/σ + ‖e‖²/σ³.
///
/// It runs the same row passes as the density (``EffectPasses``) on the density's copy of the
/// data; it allocates, as it is meant for reports rather than inner loops.
struct GaussianLikelihoodTerm {
    var value: Double
    var betaAdjoint: [Double]
    /// Per engine block, level-major (ℓ_k × S_k values).
    var effectAdjoints: [[Double]]
    var sigmaAdjoint: Double
}

extension JointMixedModelDensity {
    /// The likelihood term at β, the effects b (per engine block, level-major) and σ > 0.
    func gaussianLikelihood(beta: [Double], effects: [[Double]], sigma: Double) -> GaussianLikelihoodTerm {
        let n = rows.n
        var residual = [Double](repeating: 0, count: max(n, 1))
        var betaAdjoint = [Double](repeating: 0, count: max(rows.p, 1))
        var effectAdjoints = rows.blocks.map { [Double](repeating: 0, count: max($0.levelCount * $0.dimension, 1)) }
        var squares = 0.0
        // All blocks' effects in one array, so that the residual pass can hold every block at once.
        var offsets: [Int] = []
        var flat: [Double] = []
        for k in rows.blocks.indices {
            offsets.append(flat.count)
            flat += effects[k]
        }
        if flat.isEmpty { flat = [0] }
        residual.withUnsafeMutableBufferPointer { e in
            let base = e.baseAddress!
            let paddedBeta = beta.isEmpty ? [0] : beta
            paddedBeta.withUnsafeBufferPointer { b in
                flat.withUnsafeBufferPointer { values in
                    squares = EffectPasses.residual(
                        rows: rows, beta: b.baseAddress!, blockCount: rows.blocks.count,
                        effects: { m in (rows.blocks[m], values.baseAddress! + offsets[m]) }, into: base)
                }
            }
            let precision = 1 / (sigma * sigma)
            for i in 0..<n { base[i] *= precision }
            betaAdjoint.withUnsafeMutableBufferPointer { out in
                EffectPasses.accumulateFixed(rows: rows, weights: base, into: out.baseAddress!)
            }
            for (k, block) in rows.blocks.enumerated() {
                effectAdjoints[k].withUnsafeMutableBufferPointer { out in
                    EffectPasses.accumulateEffects(block: block, weights: base, into: out.baseAddress!, count: n)
                }
            }
        }
        let value = -0.5 * Double(n) * JointWorkspaceLayout.logTwoPi - Double(n) * log(sigma) - 0.5 * squares / (sigma * sigma)
        return GaussianLikelihoodTerm(
            value: value, betaAdjoint: Array(betaAdjoint.prefix(rows.p)),
            effectAdjoints: zip(effectAdjoints, rows.blocks).map { Array($0.prefix($1.levelCount * $1.dimension)) },
            sigmaAdjoint: -Double(n) / sigma + squares / (sigma * sigma * sigma))
    }

    /// The number of levels and columns of each engine block, and the first coordinate of its
    /// effects in x.
    var effectBlocks: [(group: String, offset: Int, levels: Int, dimension: Int)] {
        sampled.entries.map { (rows.blocks[$0.block].group, $0.offset, $0.levelCount, $0.dimension) }
    }
}
