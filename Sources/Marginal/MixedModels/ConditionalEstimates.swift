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
        var inverse = Matrix(rows: p, columns: p)
        for j in 0..<p {
            for i in j..<p { inverse[i, j] = trailing[(offset + i) + (offset + j) * d] }
        }
        return Self.gramOfInverse(lower: inverse)
    }

    /// The S × S blocks of (ΛᵀZᵀZΛ + I)⁻¹ for every level of every block: Var(u | y, β) / σ².
    /// Element (a, b) of level l of block k is at `[k][l·S² + a + b·S]`.
    ///
    /// With `integratingFixedEffects`, the blocks of the u-part of (L_w L_wᵀ)⁻¹ instead, where
    /// L_w is the factor of the whole [u; β] system: Var(u | y) / σ² when β has a flat prior and
    /// is integrated out (the REML view). It exceeds the first by the β-uncertainty term
    /// Cᵀ C, C = L_X⁻¹ L_Xu L_u⁻¹, and comes from the same Gram computation with the inverse of
    /// the dense factor taken over the random-effect and X rows together.
    func conditionalCovarianceBlocks(integratingFixedEffects: Bool = false) -> [[Double]] {
        let s1 = products.firstDimension
        let r = products.fixedOffset + (integratingFixedEffects ? products.p : 0)
        let d = products.trailingSize
        // W = L_TT,u⁻¹, the inverse of the random-effect part of the dense factor.
        var wInverse = Matrix(rows: r, columns: r)
        for j in 0..<r {
            for i in j..<r { wInverse[i, j] = trailing[i + j * d] }
        }
        LAPACK.invertLower(&wInverse)
        var result: [[Double]] = []
        // First block: Gram of [L₁₁,c⁻¹; −W L_T1,c L₁₁,c⁻¹].
        var firstBlocks = [Double](repeating: 0, count: products.firstLevels * s1 * s1)
        var q = [Double](repeating: 0, count: s1)
        var g = [Double](repeating: 0, count: r * s1)
        for c in 0..<products.firstLevels {
            var inverse = Matrix(rows: s1, columns: s1)
            for j in 0..<s1 { for i in j..<s1 { inverse[i, j] = first[c * s1 * s1 + i + j * s1] } }
            LAPACK.invertLower(&inverse)
            let start = products.panelStart[c]
            let m = products.panelHeight(c)
            for index in g.indices { g[index] = 0 }
            for a in 0..<m {
                let row = Int(products.panelRows[start + a])
                if row >= r { break }
                // q = (L_T1,c row a) L₁₁,c⁻¹
                for s in 0..<s1 {
                    var sum = 0.0
                    for t in s..<s1 { sum += panels[start * s1 + a + t * m] * inverse[t, s] }
                    q[s] = sum
                }
                for s in 0..<s1 where q[s] != 0 {
                    for i in row..<r { g[i + s * r] += wInverse[i, row] * q[s] }
                }
            }
            for b in 0..<s1 {
                for a in 0..<s1 {
                    var sum = 0.0
                    for t in 0..<s1 { sum += inverse[t, a] * inverse[t, b] }
                    for i in 0..<r { sum += g[i + a * r] * g[i + b * r] }
                    firstBlocks[c * s1 * s1 + a + b * s1] = sum
                }
            }
        }
        result.append(firstBlocks)
        // Trailing blocks: Gram of the columns of W that belong to a level.
        for k in 1..<factors.count {
            let s = factors[k].dimension
            let range = products.trailingRange(ofBlock: k)
            var blocks = [Double](repeating: 0, count: range.count * s)
            for (level, start) in stride(from: range.lowerBound, to: range.upperBound, by: s).enumerated() {
                for b in 0..<s {
                    for a in 0..<s {
                        var sum = 0.0
                        for i in (start + min(a, b))..<r { sum += wInverse[i, start + a] * wInverse[i, start + b] }
                        blocks[level * s * s + a + b * s] = sum
                    }
                }
            }
            result.append(blocks)
        }
        return result
    }

    /// L⁻ᵀ L⁻¹ for lower-triangular L.
    static func gramOfInverse(lower: Matrix) -> Matrix {
        let n = lower.rows
        var inverse = lower
        LAPACK.invertLower(&inverse)
        var gram = Matrix(rows: n, columns: n)
        for j in 0..<n {
            for i in 0..<n {
                var sum = 0.0
                for k in max(i, j)..<n { sum += inverse[k, i] * inverse[k, j] }
                gram[i, j] = sum
            }
        }
        return gram
    }
}
