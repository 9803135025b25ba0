import CLapack

/// What the factor at θ says about β and u (Bates et al. 2015, §3.3–3.5):
///
/// - the penalized least-squares solution [u; β̂] solves L_wᵀ [u; β̂] = l_yᵀ, where L_w is L
///   without its last row and column and l_y is L's last row: a back substitution, first
///   through the dense trailing part, then level by level through the first block;
/// - Var(u | y, β = β̂) = σ² (ΛᵀZᵀZΛ + I)⁻¹ = σ² L_u⁻ᵀ L_u⁻¹ with L_u the random-effect part of L
///   (what lme4 and MixedModels.jl report as conditional variances);
/// - Var(β̂) = σ² (L_X L_Xᵀ)⁻¹.
extension BlockedCholesky {
    /// The conditional modes u (per block, ℓ·S values, level-major) and β̂.
    func solve() -> (u: [[Double]], beta: [Double]) {
        let d = products.trailingSize
        let s1 = products.firstDimension
        // Trailing unknowns: L_TT,wᵀ w = l_y,T.
        var w = (0..<(d - 1)).map { trailing[(d - 1) + $0 * d] }
        trailing.withUnsafeBufferPointer { t in
            w.withUnsafeMutableBufferPointer { wp in
                if d > 1 {
                    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, blasint(d - 1), t.baseAddress!, blasint(d), wp.baseAddress!, 1)
                }
            }
        }
        // First block, level by level: L₁₁,cᵀ u_c = l_y,c − L_T1,cᵀ w.
        var u1 = [Double](repeating: 0, count: products.firstLevels * s1)
        var v = [Double](repeating: 0, count: s1)
        first.withUnsafeBufferPointer { f in
            for c in 0..<products.firstLevels {
                let start = products.panelStart[c]
                let m = products.panelHeight(c)
                for s in 0..<s1 {
                    let column = start * s1 + s * m
                    var sum = panels[column + m - 1]
                    for a in 0..<(m - 1) { sum -= panels[column + a] * w[Int(products.panelRows[start + a])] }
                    v[s] = sum
                }
                SmallMatrix.solveLowerTransposed(f.baseAddress! + c * s1 * s1, &v, size: s1)
                for s in 0..<s1 { u1[c * s1 + s] = v[s] }
            }
        }
        var u = [u1]
        for k in 1..<factors.count {
            u.append(Array(w[products.trailingRange(ofBlock: k)]))
        }
        return (u, Array(w[products.fixedOffset..<(products.fixedOffset + products.p)]))
    }

    /// (L_X L_Xᵀ)⁻¹, p × p: Var(β̂) / σ².
    func fixedEffectsCovarianceFactor() -> Matrix {
        let p = products.p
        let d = products.trailingSize
        let offset = products.fixedOffset
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
        return gram
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
        let s1 = products.firstDimension
        let s1s1 = s1 * s1
        let levels = products.firstLevels
        let r = products.fixedOffset + (integratingFixedEffects ? products.p : 0)
        let d = products.trailingSize
        // S⁻¹ = (L_r L_rᵀ)⁻¹ for the leading r × r part L_r of the dense factor (lower triangle).
        var inverse = [Double](repeating: 0, count: r * r)
        trailing.withUnsafeBufferPointer { tp in
            inverse.withUnsafeMutableBufferPointer { ip in
                guard r > 0 else { return }
                for j in 0..<r { (ip.baseAddress! + j * r + j).update(from: tp.baseAddress! + j * d + j, count: r - j) }
                // L_r has a positive diagonal (the factor is positive definite), so this succeeds.
                _ = CholeskyInverse.invertGram(n: r, ip.baseAddress!, lda: r)
            }
        }
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
        var result = [firstBlocks]
        // Trailing blocks: the diagonal blocks of S⁻¹.
        for k in 1..<factors.count {
            let s = factors[k].dimension
            let range = products.trailingRange(ofBlock: k)
            var blocks = [Double](repeating: 0, count: range.count * s)
            for (level, start) in stride(from: range.lowerBound, to: range.upperBound, by: s).enumerated() {
                for b in 0..<s {
                    for a in 0..<s {
                        let (i, j) = (start + max(a, b), start + min(a, b))
                        blocks[level * s * s + a + b * s] = inverse[i + j * r]
                    }
                }
            }
            result.append(blocks)
        }
        return result
    }
}
