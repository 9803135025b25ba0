import Foundation

/// Two-level AGHQ for two nested scalar terms, (1 | a/b) = (1 | a) + (1 | a:b) (Pinheiro & Chao
/// 2006, J. Comp. Graph. Stat. 15:58–81). The integral factorizes by outer level a, and within
/// it by the levels b nested in a once u_a is fixed:
///
///     pₐ = ∫ φ(uₐ) Π_b I_b(uₐ) duₐ,   I_b(uₐ) = ∫ p(y_b | uₐ, v) φ(v) dv.
///
/// Inner: for each outer node uₐ, the mode ṽ of log p(y_b | uₐ, v) − v²/2 by Fisher scoring
/// (the PIRLS weights; step halving), started from the joint mode moved along its regression on
/// uₐ, û_b − (H_ab/H_bb)(uₐ − ûₐ); then with h = 1 + λ_b² Σᵢ wᵢ z_bᵢ² at ṽ,
///
///     I_b(uₐ) ≈ π^{−1/2} h^{−1/2} Σₘ wₘ exp(log p(y_b | uₐ, vₘ) − vₘ²/2 + xₘ²),   vₘ = ṽ + √2 xₘ/√h.
///
/// Outer: centred at the joint mode ûₐ and scaled by the Schur complement
/// sₐ = H_aa − Σ_b H_ab²/H_bb of the joint precision H = ΛᵀZᵀWZΛ + I at û (the Laplace
/// approximation's precision of uₐ once the u_b are integrated out),
///
///     pₐ ≈ π^{−1/2} sₐ^{−1/2} Σₖ wₖ exp(Σ_b log I_b(uₐₖ) − uₐₖ²/2 + xₖ²),   uₐₖ = ûₐ + √2 xₖ/√sₐ.
///
/// With K = 1, uₐ = ûₐ and ṽ = û_b, so pₐ = exp(log p(yₐ | û) − ‖û‖²/2)/√(sₐ Π_b H_bb), and
/// sₐ Π_b H_bb is level a's determinant of H: the Laplace approximation.
extension AdaptiveQuadrature {
    func nestedDeviance(_ model: GeneralizedLinearMixedModel, core: PenalizedLeastSquares, state: PIRLSState) -> Double {
        let inner = model.blocks[0], outer = model.blocks[1]
        let lb = core.lambdas[0][0], la = core.lambdas[1][0]
        let zb = inner.z.elements, za = outer.z.elements
        let ub = state.u[0], ua = state.u[1]
        let y = model.design.response
        let prior = model.priorWeights
        let eta = state.eta
        let family = model.family
        let link = model.link
        let nodeCount = nodeOffsets.count
        let root2 = 2.0.squareRoot()
        let halfLogPi = 0.5 * Foundation.log(Double.pi)
        var terms: [Double] = [], innerTerms: [Double] = [], base: [Double] = [], slopes: [Double] = []
        swap(&terms, &self.terms)
        swap(&innerTerms, &self.innerTerms)
        swap(&base, &rowValues)
        swap(&slopes, &innerValues)
        defer {
            swap(&terms, &self.terms)
            swap(&innerTerms, &self.innerTerms)
            swap(&base, &rowValues)
            swap(&slopes, &innerValues)
        }
        // The fixed part of each row's linear predictor (offset and Xβ).
        for i in eta.indices {
            base[i] = eta[i] - lb * zb[i] * ub[Int(inner.codes[i])] - la * za[i] * ua[Int(outer.codes[i])]
        }

        /// log p(y_b | uₐ, v) − v²/2, its derivative in v and the Fisher information 1 + λ_b² Σ wᵢ z_bᵢ².
        func innerValue(_ b: Int, outer: Double, at v: Double) -> (value: Double, slope: Double, information: Double) {
            var value = -0.5 * v * v, slope = -v, information = 1.0
            for t in rowStart[b]..<rowStart[b + 1] {
                let i = rowOrder[t]
                let e = base[i] + la * za[i] * outer + lb * zb[i] * v
                value += family.logLikelihood(y[i], link.mean(e), weight: prior[i])
                slope += lb * zb[i] * family.score(y[i], eta: e, link: link, weight: prior[i])
                information += lb * lb * zb[i] * zb[i] * family.working(y[i], eta: e, link: link, weight: prior[i]).weight
            }
            return (value, slope, information)
        }

        /// log I_b(uₐ) by the inner rule, from `start`.
        func innerLogIntegral(_ b: Int, outer: Double, start: Double) -> Double {
            var v = start
            var current = innerValue(b, outer: outer, at: v)
            for _ in 0..<50 {
                var step = current.slope / current.information
                if abs(step) <= 1e-10 * (1 + abs(v)) { break }
                var candidate = innerValue(b, outer: outer, at: v + step)
                var halvings = 0
                while !(candidate.value >= current.value) && halvings < 30 {
                    step /= 2
                    candidate = innerValue(b, outer: outer, at: v + step)
                    halvings += 1
                }
                // No step raises the value: ṽ is the mode to rounding.
                guard candidate.value >= current.value else { break }
                v += step
                current = candidate
            }
            let h = current.information
            let scale = root2 / h.squareRoot()
            for m in 0..<nodeCount {
                let vm = v + scale * nodes[m]
                var logLikelihood = 0.0
                for t in rowStart[b]..<rowStart[b + 1] {
                    let i = rowOrder[t]
                    let e = base[i] + la * za[i] * outer + lb * zb[i] * vm
                    logLikelihood += family.logLikelihood(y[i], link.mean(e), weight: prior[i])
                }
                innerTerms[m] = nodeOffsets[m] + logLikelihood - 0.5 * vm * vm
            }
            return -0.5 * Foundation.log(h) - halfLogPi + Self.logSumExp(innerTerms, count: nodeCount)
        }

        var deviance = 0.0
        for a in 0..<outer.levelCount {
            // Level a's block of H at û: H_aa, and per inner level H_bb and H_ab.
            var haa = 1.0, drop = 0.0
            for q in innerStart[a]..<innerStart[a + 1] {
                let b = innerOrder[q]
                var hbb = 1.0, hab = 0.0
                for t in rowStart[b]..<rowStart[b + 1] {
                    let i = rowOrder[t]
                    let w = family.working(y[i], eta: eta[i], link: link, weight: prior[i]).weight
                    hbb += lb * lb * zb[i] * zb[i] * w
                    hab += la * lb * za[i] * zb[i] * w
                    haa += la * la * za[i] * za[i] * w
                }
                drop += hab * hab / hbb
                slopes[b] = hab / hbb
            }
            let schur = haa - drop
            guard schur > 0 else { return .infinity }
            let scale = root2 / schur.squareRoot()
            for k in 0..<nodeCount {
                let uk = ua[a] + scale * nodes[k]
                var sum = nodeOffsets[k] - 0.5 * uk * uk
                for q in innerStart[a]..<innerStart[a + 1] {
                    let b = innerOrder[q]
                    sum += innerLogIntegral(b, outer: uk, start: ub[b] - slopes[b] * (uk - ua[a]))
                }
                terms[k] = sum
            }
            deviance -= 2 * (-0.5 * Foundation.log(schur) - halfLogPi + Self.logSumExp(terms, count: nodeCount))
        }
        return deviance
    }
}
