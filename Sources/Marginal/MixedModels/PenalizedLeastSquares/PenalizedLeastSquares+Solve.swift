import CLapack

/// What the factor at θ says about β and u (Bates et al. 2015, §3.3–3.5):
///
/// - the penalized least-squares solution [u; β̂] solves L_wᵀ [u; β̂] = l_yᵀ, where L_w is L
///   without its last row and column and l_y is L's last row: a back substitution, first
///   through the dense trailing part, then level by level through the first block;
/// - Var(u | y, β = β̂) = σ² (ΛᵀZᵀZΛ + I)⁻¹ = σ² L_u⁻ᵀ L_u⁻¹ with L_u the random-effect part of L
///   (what lme4 and MixedModels.jl report as conditional variances);
/// - Var(β̂) = σ² (L_X L_Xᵀ)⁻¹.
extension PenalizedLeastSquares {
    /// The conditional modes u (per block, ℓ·S values, level-major) and β̂: β̂ from L_Xᵀβ̂ = l_y,X,
    /// then the random effects by the one back substitution of
    /// ``solveRandomEffects(beta:noise:scale:into:)`` at β̂.
    func solve() -> (u: [[Double]], beta: [Double]) {
        let beta = engineFixedEffects()
        var effects = [Double](repeating: 0, count: randomEffectCount)
        beta.withUnsafeBufferPointer { bp in
            effects.withUnsafeMutableBufferPointer { up in
                solveRandomEffects(beta: bp.baseAddress!, noise: nil, scale: 0, into: up.baseAddress!)
            }
        }
        return (blockEffectRanges.map { Array(effects[$0]) }, products.basis.originalCoordinates(beta))
    }

    /// β̂ in the engine's coordinates (``FixedEffectsBasis``): L_Xᵀβ̂ = l_y,X.
    func engineFixedEffects() -> [Double] {
        let d = products.denseSize
        let p = products.p
        let offset = products.denseRandomRows
        var beta = (0..<p).map { trailing[(d - 1) + (offset + $0) * d] }
        trailing.withUnsafeBufferPointer { t in
            beta.withUnsafeMutableBufferPointer { bp in
                guard p > 0 else { return }
                cblas_dtrsv(
                    CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, blasint(p), t.baseAddress! + offset * (d + 1),
                    blasint(d), bp.baseAddress!, 1)
            }
        }
        return beta
    }

    /// R⁻¹ (L_X L_Xᵀ)⁻¹ R⁻ᵀ, p × p: Var(β̂) / σ² in the user's coordinates (``FixedEffectsBasis``).
    func fixedEffectsCovarianceFactor() -> Matrix {
        let p = products.p
        let d = products.denseSize
        let offset = products.denseRandomRows
        var gram = Matrix(rows: p, columns: p)
        for j in 0..<p {
            for i in j..<p { gram[i, j] = trailing[(offset + i) + (offset + j) * d] }
        }
        gram.elements.withUnsafeMutableBufferPointer { g in
            guard p > 0 else { return }
            // L_X has a positive diagonal (the factor is positive definite), so this succeeds.
            _ = CholeskyInverse.invertGram(n: p, g.baseAddress!, lda: p)
        }
        for j in 0..<p {
            for i in 0..<j { gram[i, j] = gram[j, i] }
        }
        return products.basis.originalCovariance(gram)
    }

    /// The S × S blocks of (ΛᵀZᵀZΛ + I)⁻¹ for every level of every block: Var(u | y, β) / σ².
    /// Element (a, b) of level l of block k is at `[k][l·S² + a + b·S]`.
    ///
    /// With `integratingFixedEffects`, the blocks of the u-part of (L_w L_wᵀ)⁻¹ instead, where
    /// L_w is the factor of the whole [u; β] system: Var(u | y) / σ² when β has a flat prior and
    /// is integrated out (the REML view). It exceeds the first by the β-uncertainty term
    /// Cᵀ C, C = L_X⁻¹ L_Xu L_u⁻¹, and comes from the same computation with the dense factor's
    /// random-effect and X rows taken together.
    ///
    /// By block inversion of the factor, with S⁻¹ the inverse of the dense part's Gram matrix
    /// (``CholeskyInverse/invertGram(n:_:lda:)``): a first-block level's block is
    /// L₁₁,c⁻ᵀ (I + H_c) L₁₁,c⁻¹ with H_c from ``firstBlockQuadraticForms(inverse:rows:into:work:)``,
    /// and a trailing level's block is its diagonal block of S⁻¹.
    func conditionalCovarianceBlocks(integratingFixedEffects: Bool = false) -> [[Double]] {
        let extra = integratingFixedEffects ? products.p : 0
        let inverse = denseInverse(rows: products.denseRandomRows + extra)
        if !products.nested.isEmpty {
            return selectedInverseBlocks(denseInverse: inverse, limit: products.fixedOffset + extra)
        }
        let s1 = products.first.dimension
        let s1s1 = s1 * s1
        let levels = products.first.levels
        let r = products.fixedOffset + extra
        // First block: L₁₁,c⁻ᵀ (I + H_c) L₁₁,c⁻¹ per level.
        var firstBlocks = [Double](repeating: 0, count: levels * s1s1)
        var h = [Double](repeating: 0, count: levels * s1s1)
        var work = [Double](repeating: 0, count: 2 * s1s1)
        inverse.withUnsafeBufferPointer { ip in
            h.withUnsafeMutableBufferPointer { hp in
                work.withUnsafeMutableBufferPointer { wp in
                    guard r > 0 else { return }
                    firstBlockQuadraticForms(inverse: ip.baseAddress!, rows: r, into: hp.baseAddress!, work: wp.baseAddress!)
                }
            }
        }
        first.withUnsafeBufferPointer { fp in
            firstBlocks.withUnsafeMutableBufferPointer { out in
                h.withUnsafeMutableBufferPointer { hp in
                    work.withUnsafeMutableBufferPointer { wp in
                        if s1 == 1 {
                            for c in 0..<levels { out[c] = (1 + hp[c]) / (fp[c] * fp[c]) }
                            return
                        }
                        for c in 0..<levels {
                            let middle = hp.baseAddress! + c * s1s1
                            for s in 0..<s1 { middle[s + s * s1] += 1 }
                            SmallMatrix.addInverseCongruence(
                                factor: fp.baseAddress! + c * s1s1, middle: middle, work: wp.baseAddress!, size: s1,
                                into: out.baseAddress! + c * s1s1)
                        }
                    }
                }
            }
        }
        return [firstBlocks] + denseBlocks(of: inverse, rows: r)
    }

    /// S⁻¹ = (L_r L_rᵀ)⁻¹ for the leading r × r part L_r of the dense factor (lower triangle, r × r).
    func denseInverse(rows r: Int) -> [Double] {
        let d = products.denseSize
        var inverse = [Double](repeating: 0, count: r * r)
        trailing.withUnsafeBufferPointer { tp in
            inverse.withUnsafeMutableBufferPointer { ip in
                guard r > 0 else { return }
                for j in 0..<r { (ip.baseAddress! + j * r + j).update(from: tp.baseAddress! + j * d + j, count: r - j) }
                // L_r has a positive diagonal (the factor is positive definite), so this succeeds.
                _ = CholeskyInverse.invertGram(n: r, ip.baseAddress!, lda: r)
            }
        }
        return inverse
    }

    /// The level blocks of the dense part's blocks: their diagonal blocks of S⁻¹ (r × r, lower).
    func denseBlocks(of inverse: [Double], rows r: Int) -> [[Double]] {
        factors.indices.dropFirst(products.sparseBlockCount).map { k in
            let s = factors[k].dimension
            let range = products.trailingRange(ofBlock: k)
            let offset = products.denseOffset
            var blocks = [Double](repeating: 0, count: range.count * s)
            for (level, start) in stride(from: range.lowerBound - offset, to: range.upperBound - offset, by: s).enumerated() {
                for b in 0..<s {
                    for a in 0..<s {
                        let (i, j) = (start + max(a, b), start + min(a, b))
                        blocks[level * s * s + a + b * s] = inverse[i + j * r]
                    }
                }
            }
            return blocks
        }
    }
}

extension PenalizedLeastSquares {
    /// The conditional modes b = λu of every level of every block and their conditional SDs
    /// √diag(s² λ V λᵀ), V the level's block of (ΛᵀZᵀWZΛ + I)⁻¹ and s² the variance scale (σ² for
    /// a linear model, 1 for binomial and Poisson).
    func conditionalModes(of blocks: [RandomEffectBlock], u: [[Double]], varianceScale: Double) -> [ConditionalModes] {
        let conditional = conditionalCovarianceBlocks()
        return blocks.enumerated().map { k, block in
            let s = block.dimension
            let lambda = lambdas[k]
            var b = Matrix(rows: block.levelCount, columns: s)
            var sd = Matrix(rows: block.levelCount, columns: s)
            for level in 0..<block.levelCount {
                for a in 0..<s {
                    var mode = 0.0
                    for t in 0...a { mode += lambda[a + t * s] * u[k][level * s + t] }
                    b[level, a] = mode
                    var variance = 0.0
                    for t in 0...a {
                        for r in 0...a {
                            variance += lambda[a + t * s] * conditional[k][level * s * s + t + r * s] * lambda[a + r * s]
                        }
                    }
                    sd[level, a] = (varianceScale * max(variance, 0)).squareRoot()
                }
            }
            return ConditionalModes(
                group: block.group, levels: block.levels, names: block.parts.flatMap(\.term.columnNames), modes: b, conditionalSD: sd)
        }
    }
}
