import Foundation

/// The exact gradient of the Laplace deviance in (θ, β) for a canonical link (binomial–logit,
/// Poisson–log) on designs without nested blocks.
///
/// D(θ, β) = −2 Σᵢ log p(yᵢ | η̂ᵢ) + ‖û‖² + log det M, M = ΛᵀZᵀWZΛ + I, where û minimizes the
/// penalized deviance at (θ, β), η = o + Xβ + ZΛu and W = diag(wᵢ) the working weights at η̂
/// (for a canonical link the expected and observed information agree). With sᵢ = ∂ log p/∂ηᵢ:
///
/// - the first two terms are the penalized deviance at its minimum in u, so (envelope theorem)
///   their derivative is the partial one at û: −2 sᵀ(X dβ + Z dΛ û);
/// - log det M moves with Λ directly, 2 tr(M⁻¹ ΛᵀZᵀWZ dΛ) (``PenalizedLeastSquares/logDeterminantTraces(limit:visit:)``),
///   and through W(η̂): Σᵢ hᵢ w′ᵢ dη̂ᵢ, with hᵢ = (ZΛM⁻¹ΛᵀZᵀ)ᵢᵢ read off the selected inverse and
///   w′ᵢ = dwᵢ/dη (the prior weight times μ″(η) for a canonical link);
/// - dû follows from the mode's equation u = ΛᵀZᵀs by implicit differentiation,
///   M dû = dΛᵀZᵀs − ΛᵀZᵀW(X dβ + Z dΛ û), so with vᵢ = hᵢw′ᵢ one adjoint solve a = M⁻¹ΛᵀZᵀv gives
///   vᵀZΛ dû = sᵀZ dΛ a − (WZΛa)ᵀ(X dβ + Z dΛ û).
///
/// Collecting, with q = v − WZΛa:
///
///     ∂D/∂β = Xᵀ(q − 2s),
///     ∂D/∂λₖ = Σ_{j∈k} [ (Zᵀ(q − 2s))ⱼ ûⱼᵀ + (Zᵀs)ⱼ aⱼᵀ ] + 2 Tₖ,
///
/// the sums over block k's levels j of Sₖ × Sₖ matrices (row a, column b for λₖ's element (a, b)).
/// The cost is one selected inversion, one solve and a few passes over the rows, about two
/// evaluations of the deviance; BOBYQA without it needs hundreds of evaluations on (θ, β).
extension GeneralizedLinearMixedModel {
    /// Whether ``laplaceGradient(_:theta:state:)`` applies: a canonical link, no estimated
    /// dispersion, no nested blocks.
    var hasExactLaplaceGradient: Bool {
        link == family.canonicalLink && family.dispersion == nil && effectsOnly.products.nested.isEmpty
    }

    /// ∂D/∂(θ, β) at the state PIRLS left with β held, `core` (the [Z z] core) factored at its
    /// weights; nil where ``hasExactLaplaceGradient`` is false or the factor failed.
    func laplaceGradient(_ core: PenalizedLeastSquares, theta: [Double], state: PIRLSState) -> [Double]? {
        guard hasExactLaplaceGradient, core.isPositiveDefinite else { return nil }
        let n = design.nobs
        let lambdas = thetaLayout.lambdas(theta)
        let products = core.products
        let firstCount = products.first.levels * products.first.dimension
        // Each block's first position in the core's layout of u.
        let offsets = core.blockEffectRanges.map(\.lowerBound)
        var score = [Double](repeating: 0, count: n), weight = score, slope = score
        for i in 0..<n {
            let (y, eta, m) = (design.response[i], state.eta[i], priorWeights[i])
            score[i] = family.score(y, eta: eta, link: link, weight: m)
            weight[i] = family.working(y, eta: eta, link: link, weight: m).weight
            slope[i] = m * link.secondDerivative(eta)
        }
        // Per block, read once: Sₖ, zᵢₖ (Sₖ per row), each row's first effect in u, and
        // t = λₖᵀzᵢₖ, row i's coefficients of block k's effects in η (ZΛ's row).
        let dims = blocks.map(\.dimension)
        let zs = blocks.map(\.z.elements)
        let positions = blocks.indices.map { k in blocks[k].codes.map { offsets[k] + Int($0) * dims[k] } }
        let terms = blocks.indices.map { k in
            let s = dims[k]
            var t = [Double](repeating: 0, count: n * s)
            t.withUnsafeMutableBufferPointer { tp in
                blocks[k].forEachRowTerm(lambda: lambdas[k].elements) { i, _, row in (tp.baseAddress! + i * s).update(from: row, count: s) }
            }
            return t
        }
        func position(_ k: Int, _ i: Int) -> Int { positions[k][i] }

        // hᵢ from each first-block level's part of M⁻¹ and the dense part, with the traces.
        var leverage = [Double](repeating: 0, count: n)
        let r = products.fixedOffset
        let s1 = blocks[0].dimension
        let firstTerms = terms[0]
        let traces = core.logDeterminantTraces(limit: r) { c, inverse in
            let mr = inverse.rows.count
            for i in products.first.rowsByLevel.rows(of: c) {
                let t0 = i * s1
                // tᵀ Z̃_cc t over t's nonzeros (Z̃_cc symmetric, read by columns).
                var h = firstTerms.withUnsafeBufferPointer { tp in
                    inverse.diagonal.withUnsafeBufferPointer { zp in
                        let t = tp.baseAddress! + t0, zcc = zp.baseAddress!
                        var sum = 0.0
                        for a in 0..<s1 where t[a] != 0 {
                            let column = zcc + a * s1
                            var dot = 0.0
                            for b in 0..<s1 { dot += column[b] * t[b] }
                            sum += t[a] * dot
                        }
                        return sum
                    }
                }
                for k in blocks.indices.dropFirst() {
                    let sk = dims[k]
                    let row = position(k, i) - firstCount
                    let p = inverse.rows.partitioningIndex { $0 >= row }
                    for a in 0..<sk {
                        for b in 0..<s1 { h += 2 * terms[k][i * sk + a] * inverse.panel[(p + a) + b * mr] * firstTerms[t0 + b] }
                    }
                }
                leverage[i] = h
            }
        }
        let denseInverse = traces.denseInverse
        if blocks.count > 1 {
            for i in 0..<n {
                for k in blocks.indices.dropFirst() {
                    let (sk, gk) = (dims[k], position(k, i) - firstCount)
                    for l in blocks.indices.dropFirst() {
                        let (sl, gl) = (dims[l], position(l, i) - firstCount)
                        for a in 0..<sk {
                            for b in 0..<sl {
                                let (x, y) = (gk + a, gl + b)
                                leverage[i] += terms[k][i * sk + a] * denseInverse[max(x, y) + min(x, y) * r] * terms[l][i * sl + b]
                            }
                        }
                    }
                }
            }
        }
        // v = h w′, a = M⁻¹ΛᵀZᵀv, q = v − W ZΛa.
        let v = (0..<n).map { leverage[$0] * slope[$0] }
        var rhs = [Double](repeating: 0, count: core.randomEffectCount)
        for i in 0..<n {
            for k in blocks.indices {
                let (s, base) = (dims[k], position(k, i))
                for b in 0..<s { rhs[base + b] += v[i] * terms[k][i * s + b] }
            }
        }
        let adjoint = core.solveRandomSystem(rhs)
        var residual = [Double](repeating: 0, count: n)  // q − 2s
        for i in 0..<n {
            var zla = 0.0
            for k in blocks.indices {
                let (s, base) = (dims[k], position(k, i))
                for b in 0..<s { zla += terms[k][i * s + b] * adjoint[base + b] }
            }
            residual[i] = v[i] - weight[i] * zla - 2 * score[i]
        }
        // ∂D/∂λₖ, then pulled back to θ through each block's structure.
        var gradients = blocks.indices.map { k in
            traces.traces[k].map { 2 * $0 }
        }
        for k in blocks.indices {
            let s = dims[k], z = zs[k], u = state.u[k], rows = positions[k], first = offsets[k]
            var g = gradients[k]
            for i in 0..<n {
                let base = rows[i]
                for a in 0..<s {
                    let za = z[a + i * s]
                    if za == 0 { continue }
                    for b in 0..<s { g[a + b * s] += za * (residual[i] * u[base - first + b] + score[i] * adjoint[base + b]) }
                }
            }
            gradients[k] = g
        }
        let x = design.fixedEffects.matrix
        let betaGradient = (0..<design.fixedEffects.p).map { j in (0..<n).reduce(0.0) { $0 + x[$1, j] * residual[$1] } }
        return thetaLayout.pullBack(gradients, theta: theta) + betaGradient
    }
}
