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
/// theorem), ∂d/∂λₖ = −2 Gₖ, which each block's structure pulls back to θ (the identity on lme4's
/// free elements of λₖ). Unlike the form λₖ⁻ᵀWₖ of the marginalized
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
        applyLambda(toRows: Array(0..<r), &v, height: r, columns: 1)
        var firstEffects = [Double](repeating: 0, count: firstCount)  // λ₁ũ_c
        for c in 0..<levels {
            for a in 0..<s1 {
                var sum = 0.0
                for t in 0...a { sum += lambda1[a + t * s1] * u[c * s1 + t] }
                firstEffects[c * s1 + a] = sum
            }
        }
        let a = products.trailing
        var gradients = factors.map { [Double](repeating: 0, count: $0.dimension * $0.dimension) }
        // (ZᵀWē) on the dense random rows: A_{j,y} − A_{j,X}β̂ − A_{j,D} v − Σ_c A_{j,c} λ₁ũ_c.
        var scoreDense = [Double](repeating: 0, count: r)
        for j in 0..<r {
            var value = a[j + (d - 1) * d]
            for k in 0..<p { value -= a[j + (r + k) * d] * beta[k] }
            for k in 0..<r { value -= a[j + k * d] * v[k] }
            scoreDense[j] = value
        }
        let panelA = products.first.values
        // First block, level by level.
        for c in 0..<levels {
            let start = products.first.start[c]
            let height = products.first.height(c)
            let rows = (0..<height).map { Int(products.first.rows[start + $0]) }
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
            for i in 0..<s1 {
                for b in 0..<s1 { gradients[0][i + b * s1] += score[i] * u[c * s1 + b] / sigma2 }
            }
        }
        for k in factors.indices.dropFirst() {
            let sk = factors[k].dimension
            for g in stride(from: products.trailingRange(ofBlock: k).lowerBound, to: products.trailingRange(ofBlock: k).upperBound, by: sk) {
                for i in 0..<sk {
                    for b in 0..<sk { gradients[k][i + b * sk] += scoreDense[g + i] * u[firstCount + g + b] / sigma2 }
                }
            }
        }
        // Gₖ = score terms − Tₖ, pulled back to θ through each block's structure.
        let traces = logDeterminantTraces(limit: limit).traces
        for k in gradients.indices {
            for i in gradients[k].indices { gradients[k][i] = -2 * (gradients[k][i] - traces[k][i]) }
        }
        return thetaLayout.pullBack(gradients, theta: theta)
    }
}
