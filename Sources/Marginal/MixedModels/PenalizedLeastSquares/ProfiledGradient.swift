import CLapack

/// The exact gradient of the profiled objective d(θ) (deviance or REML criterion) from the
/// factor at θ, for designs without nested blocks.
///
/// With b = Λu, u ~ N(0, σ²I), Fisher's identity gives the derivative of the log-likelihood in
/// each relative factor λₖ as the posterior expectation of the complete-data score,
///
///     ∂ℓ/∂λₖ = (1/σ²) Σ_{j∈k} Z_jᵀW E[e u_jᵀ | y],   e = y − Xβ − ZΛu,
///
/// and E[e u_jᵀ] = ē ū_jᵀ − ZΛ Cov(u, u_j) − X Cov(β, u_j), with Cov = σ² Z̃ for Z̃ the inverse of
/// the penalized system: over u alone for ML (β at β̂), over [u; β] for REML (β integrated out with
/// a flat prior, which is what the restricted likelihood is). So, with A = ZᵀWZ etc. the cross
/// products, level by level,
///
///     Gₖ = Σ_{j∈k} [ (ZᵀWē)_j ū_jᵀ / σ² − Σ_{j'} A_{jj'} Λ̃_{j'} Z̃_{j'j} ],
///
/// the inner sum over the levels j' that co-occur with j (and the X rows for REML, Λ̃ = I there),
/// i.e. Z̃ is needed only on the pattern of A: the diagonal blocks and the panels' rows of the
/// selected inverse (Takahashi, Fagan & Chen 1973). At the profiled σ̂ and β̂ (the envelope
/// theorem), ∂d/∂θ = −2 Gₖ at θ's positions in λₖ. Unlike the form λₖ⁻ᵀWₖ of the marginalized
/// density this needs no inverse of λₖ, so it holds on the boundary (a zero diagonal of λₖ),
/// where singular fits end.
extension PenalizedLeastSquares {
    /// ∂d/∂θ at the θ of the last update, or nil with nested blocks (not covered) or a failed
    /// factor.
    func profiledGradient(criterion: FitCriterion) -> [Double]? {
        guard isPositiveDefinite, products.nested.isEmpty else { return nil }
        let p = products.p
        let r = products.fixedOffset
        let d = products.trailingSize
        let reml = criterion == .reml
        let limit = r + (reml ? p : 0)
        let s1 = products.first.dimension
        let levels = products.first.levels
        let sigma2 = penalizedResidualSumOfSquares / Double(criterion.residualDegreesOfFreedom(n: products.n, p: p))
        guard sigma2 > 0, sigma2.isFinite else { return nil }

        // β̂ (engine coordinates) and ũ; v = Λũ on the trailing rows, λ₁ũ_c for the first block.
        let beta = engineFixedEffects()
        var u = [Double](repeating: 0, count: randomEffectCount)
        beta.withUnsafeBufferPointer { bp in
            u.withUnsafeMutableBufferPointer { up in
                solveRandomEffects(beta: bp.baseAddress ?? UnsafePointer(up.baseAddress!), noise: nil, scale: 0, into: up.baseAddress!)
            }
        }
        let firstCount = levels * s1
        let lambda1 = lambdas[0]
        var v = [Double](repeating: 0, count: r)
        for i in 0..<r { v[i] = u[firstCount + i] }
        applyLambda(to: &v, columns: 1, ld: r)
        var firstEffects = [Double](repeating: 0, count: firstCount)  // λ₁ũ_c
        for c in 0..<levels {
            for a in 0..<s1 {
                var sum = 0.0
                for t in 0...a { sum += lambda1[a + t * s1] * u[c * s1 + t] }
                firstEffects[c * s1 + a] = sum
            }
        }
        let a = products.trailing
        // (ZᵀWē) on the dense random rows: A_{j,y} − A_{j,X}β̂ − A_{j,D} v − Σ_c A_{j,c} λ₁ũ_c.
        var scoreDense = [Double](repeating: 0, count: r)
        for j in 0..<r {
            var value = a[j + (d - 1) * d]
            for k in 0..<p { value -= a[j + (r + k) * d] * beta[k] }
            for k in 0..<r { value -= a[j + k * d] * v[k] }
            scoreDense[j] = value
        }
        // The dense part of the selected inverse and M = Λ̃ S⁻¹ on the random columns.
        let inverse = denseInverse(rows: limit)
        func z(_ i: Int, _ j: Int) -> Double { inverse[max(i, j) + min(i, j) * limit] }
        var m = [Double](repeating: 0, count: limit * r)
        for col in 0..<r { for row in 0..<limit { m[row + col * limit] = z(row, col) } }
        applyLambda(to: &m, columns: r, ld: limit)

        // Complete crossings: every panel holds every row, so all the Y_c at once are one product
        // S⁻¹ [P₁ … P_ℓ] (the panels side by side, their first `limit` rows).
        var completeY: [Double]? = nil
        if firstPanelsAreComplete, limit > 0 {
            var all = [Double](repeating: 0, count: limit * levels * s1)
            inverse.withUnsafeBufferPointer { ip in
                panels.withUnsafeBufferPointer { pp in
                    all.withUnsafeMutableBufferPointer { yp in
                        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, blasint(limit), blasint(levels * s1), 1,
                                    ip.baseAddress!, blasint(limit), pp.baseAddress!, blasint(d), 0, yp.baseAddress!, blasint(limit))
                    }
                }
            }
            completeY = all
        }
        var gradients = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        var denseTerms = [Double](repeating: 0, count: r * (factors.dropFirst().map(\.dimension).max() ?? 1))
        let panelA = products.first.values
        // First block, level by level.
        var y = [Double](), zrc = [Double](), zcc = [Double](repeating: 0, count: s1 * s1)
        for c in 0..<levels {
            let start = products.first.start[c]
            let height = products.first.height(c)
            let rows = (0..<height).map { Int(products.first.rows[start + $0]) }
            let mr = rows.partitioningIndex { $0 >= limit }
            let randomRows = rows.partitioningIndex { $0 >= r }
            let base = start * s1
            // Score of level c: A_{c,y} − A_{c,X}β̂ − A_cc λ₁ũ_c − A_{R,c}ᵀ v.
            var score = [Double](repeating: 0, count: s1)
            for t in 0..<s1 {
                let column = base + t * height
                var value = panelA[column + height - 1]
                for k in 0..<p { value -= panelA[column + randomRows + k] * beta[k] }
                for q in 0..<s1 { value -= products.first.diagonal[c * s1 * s1 + t + q * s1] * firstEffects[c * s1 + q] }
                for i in 0..<randomRows { value -= panelA[column + i] * v[rows[i]] }
                score[t] = value
            }
            // The dense rows' scores get A_{j,c} λ₁ũ_c.
            for i in 0..<randomRows {
                var value = 0.0
                for q in 0..<s1 { value += panelA[base + i + q * height] * firstEffects[c * s1 + q] }
                scoreDense[rows[i]] -= value
            }
            // Y = Z̃_RR P, Z̃_{R,c} = −Y L⁻¹, Z̃_cc = L⁻ᵀ(I + PᵀY)L⁻¹.
            if let all = completeY {
                y = Array(all[(c * s1 * limit)..<((c + 1) * s1 * limit)])
            } else {
                y = [Double](repeating: 0, count: mr * s1)
                for t in 0..<s1 {
                    for aIndex in 0..<mr {
                        var sum = 0.0
                        for b in 0..<mr { sum += z(rows[aIndex], rows[b]) * panels[base + b + t * height] }
                        y[aIndex + t * mr] = sum
                    }
                }
            }
            zrc = [Double](repeating: 0, count: mr * s1)
            panels.withUnsafeBufferPointer { pp in
                first.withUnsafeBufferPointer { fp in
                    zcc.withUnsafeMutableBufferPointer { zp in
                        zrc.withUnsafeMutableBufferPointer { rp in
                            Self.takahashiStep(
                                y: y, rows: mr, panel: pp.baseAddress! + base, ld: height, factor: fp.baseAddress! + c * s1 * s1,
                                size: s1, diagonal: zp.baseAddress!, offDiagonal: rp.baseAddress!, ldOut: mr)
                        }
                    }
                }
            }
            // T_c = A_cc λ₁ Z̃_cc + A_{R,c}ᵀ Λ̃ Z̃_{R,c}; G₀ += score ũ_cᵀ/σ² − T_c.
            var lz = zrc
            applyLambda(toRows: rows, &lz, height: mr, columns: s1)
            for aIndex in 0..<s1 {
                for b in 0..<s1 {
                    var t = 0.0
                    for q in 0..<s1 {
                        var lzqb = 0.0
                        for w in 0...q { lzqb += lambda1[q + w * s1] * zcc[w + b * s1] }
                        t += products.first.diagonal[c * s1 * s1 + aIndex + q * s1] * lzqb
                    }
                    for i in 0..<mr { t += panelA[base + i + aIndex * height] * lz[i + b * mr] }
                    gradients[0][aIndex + b * s1] += score[aIndex] * u[c * s1 + b] / sigma2 - t
                }
            }
            // Dense levels j in this panel: T_j += A_{j,c} λ₁ Z̃_{c,j}, with Z̃_{c,j} = Z̃_{R,c}[j]ᵀ.
            var i = 0
            while i < randomRows {
                let k = Int(products.blockOfTrailingRow[rows[i]])
                let sk = factors[k].dimension
                for aIndex in 0..<sk {
                    for b in 0..<sk {
                        var t = 0.0
                        for s in 0..<s1 {
                            var lz1 = 0.0
                            for w in 0...s { lz1 += lambda1[s + w * s1] * zrc[(i + b) + w * mr] }
                            t += panelA[base + (i + aIndex) + s * height] * lz1
                        }
                        denseTerms[rows[i] + aIndex + b * r] += t
                    }
                }
                i += sk
            }
        }
        // Dense blocks: T_j += Σ_{r'} A[j, r'] M[r', j]; G_k += score_j ũ_jᵀ/σ² − T_j.
        for k in factors.indices.dropFirst() {
            let sk = factors[k].dimension
            for g in stride(from: products.trailingRange(ofBlock: k).lowerBound, to: products.trailingRange(ofBlock: k).upperBound, by: sk) {
                for aIndex in 0..<sk {
                    for b in 0..<sk {
                        var t = denseTerms[g + aIndex + b * r]
                        for row in 0..<limit { t += a[(g + aIndex) + row * d] * m[row + (g + b) * limit] }
                        gradients[k][aIndex + b * sk] += scoreDense[g + aIndex] * u[firstCount + g + b] / sigma2 - t
                    }
                }
            }
        }
        return thetaLayout.positions.map { -2 * gradients[$0.block][$0.row + $0.column * factors[$0.block].dimension] }
    }

    /// Rows of the trailing random part (index < r) of a matrix with `columns` columns and leading
    /// dimension `ld` multiplied by Λ_T: λₖ on each level's group of rows (the scale for Sₖ = 1);
    /// rows from r on (X) unchanged.
    private func applyLambda(to x: inout [Double], columns: Int, ld: Int) {
        applyLambda(toRows: Array(0..<min(ld, products.fixedOffset)), &x, height: ld, columns: columns)
    }

    /// Λ̃ on the rows of x (`height` × `columns`, column-major) whose trailing rows are `rows`
    /// (ascending; a level's group of Sₖ rows is consecutive): λₖ per group, identity on X rows.
    private func applyLambda(toRows rows: [Int], _ x: inout [Double], height: Int, columns: Int) {
        var i = 0
        while i < min(rows.count, height) {
            let k = Int(products.blockOfTrailingRow[rows[i]])
            guard k >= 0 else { break }
            let s = factors[k].dimension
            let l = lambdas[k]
            for col in 0..<columns {
                // λ x over the group, from the last row up (λ lower triangular).
                for a in stride(from: s - 1, through: 0, by: -1) {
                    var sum = 0.0
                    for t in 0...a { sum += l[a + t * s] * x[(i + t) + col * height] }
                    x[(i + a) + col * height] = sum
                }
            }
            i += s
        }
    }
}
