/// The quadratic forms H_c = P_cᵀ S⁻¹ P_c (S₁ × S₁) for every level c of the first block, where
/// P_c is level c's panel of L_T1 restricted to the leading r trailing rows and S⁻¹ = (L_r L_rᵀ)⁻¹
/// is the inverse of the leading r × r part of L_TT (the Schur complement of the first block).
///
/// They give the diagonal blocks of the inverse of the blocked matrix,
/// (M⁻¹)_cc = L₁₁,c⁻ᵀ (I + H_c) L₁₁,c⁻¹ (block inversion of L = [L₁₁ 0; L_T1 L_TT]), which the
/// conditional variances of the random effects and the gradient of log det M need.
/// Used only without nested blocks (the dense part then starts at the first trailing row).
extension PenalizedLeastSquares {
    /// Writes H_c for every level c into `h` (ℓ₁·S₁² values, level-major, lower and upper
    /// triangles). `inverse` holds the lower triangle of S⁻¹ (r × r, leading dimension r), r being
    /// the number of random trailing rows, or those plus the X rows; `work` holds S₁ values.
    ///
    /// The forms are accumulated column by column of S⁻¹ rather than level by level: for trailing
    /// row j and each panel c that holds j at position a₀ (the index the downdate of the factor
    /// uses), the pairs (a₀, a ≥ a₀) of that panel read column j of S⁻¹ at rows r_a. Every pair
    /// is visited once, as in a level-by-level loop, but column j stays in cache while all its
    /// panels are served; level by level, each level reads m_c scattered columns of a matrix far
    /// larger than the cache (3× slower for the InstEval-shaped design).
    func firstBlockQuadraticForms(
        inverse inv: UnsafePointer<Double>, rows r: Int, into h: UnsafeMutablePointer<Double>,
        work y: UnsafeMutablePointer<Double>
    ) {
        let s1 = products.first.dimension
        let s1s1 = s1 * s1
        let d = products.trailingSize
        h.update(repeating: 0, count: products.first.levels * s1s1)
        panels.withUnsafeBufferPointer { pp in
        products.first.rows.withUnsafeBufferPointer { rp in
        products.firstIndex.panel.withUnsafeBufferPointer { entryPanel in
        products.firstIndex.position.withUnsafeBufferPointer { entryPosition in
        products.firstIndex.start.withUnsafeBufferPointer { entryStart in
        products.first.start.withUnsafeBufferPointer { panelStart in
            for j in 0..<r {
                let column = inv + j * r
                let diagonal = column[j]
                for entry in entryStart[j]..<entryStart[j + 1] {
                    let c = Int(entryPanel[entry])
                    let a0 = Int(entryPosition[entry])
                    let start = panelStart[c]
                    let m = panelStart[c + 1] - start
                    // Every panel ends with all d − r rows at and after r (X and y rows).
                    let mr = m - (d - r)
                    let rows = rp.baseAddress! + start
                    let panel = pp.baseAddress! + start * s1
                    let hc = h + c * s1s1
                    if s1 == 1 {
                        let sum = Self.gatherDot(column, rows: rows, panel, from: a0 + 1, to: mr)
                        let pa0 = panel[a0]
                        hc[0] += pa0 * (diagonal * pa0 + 2 * sum)
                        continue
                    }
                    // y_t = Σ_{a > a₀} S⁻¹[r_a, j] P[a, t]
                    for t in 0..<s1 {
                        y[t] = Self.gatherDot(column, rows: rows, panel + t * m, from: a0 + 1, to: mr)
                    }
                    for t in 0..<s1 {
                        let pa0t = panel[a0 + t * m]
                        for s in 0..<s1 {
                            let pa0s = panel[a0 + s * m]
                            hc[s + t * s1] += pa0s * y[t] + y[s] * pa0t + diagonal * pa0s * pa0t
                        }
                    }
                }
            }
        }}}}}}
    }

    /// Σ_{a ∈ lower..<upper} v[rows[a]]·x[a], with four partial sums.
    @inline(__always)
    static func gatherDot(
        _ v: UnsafePointer<Double>, rows: UnsafePointer<Int32>, _ x: UnsafePointer<Double>, from lower: Int, to upper: Int
    ) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var a = lower
        while a + 4 <= upper {
            s0 += v[Int(rows[a])] * x[a]
            s1 += v[Int(rows[a + 1])] * x[a + 1]
            s2 += v[Int(rows[a + 2])] * x[a + 2]
            s3 += v[Int(rows[a + 3])] * x[a + 3]
            a += 4
        }
        while a < upper {
            s0 += v[Int(rows[a])] * x[a]
            a += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
