import Foundation

/// The log marginal likelihood of a generalized model with the effects of one scalar
/// random-effect term, (1 | g) or (0 + z | g), integrated out level by level by adaptive
/// Gauss–Hermite quadrature (AGHQ), given every row's offset aᵢ: what lets NUTS sample a binomial
/// or Poisson GLMM without that term's effects (``GeneralizedMixedDensity``), as Lai, Domke &
/// Sheldon do for linear models with the exact integral.
///
/// With ηᵢ(u) = aᵢ + τzᵢu, aᵢ = oᵢ + xᵢᵀβ + (the sampled terms' effects on row i), τ the term's
/// SD, and level j's log integrand in the non-centred effect u ~ N(0, 1),
///
///     f_j(u) = Σ_{i∈j} ℓᵢ(ηᵢ(u)) − u²/2,   ℓᵢ = log p(yᵢ | ηᵢ) (constants included),
///
/// the marginal likelihood of the level is L_j = (2π)^{−½} ∫ e^{f_j(u)} du. The rule is placed at
/// the mode û_j (Newton's method to |Δu| ≤ 10⁻¹², warm-started from the last evaluation's mode)
/// and scaled by s_j = c_j^{−½}, c_j = −f_j″(û_j) (Liu & Pierce 1994): with nodes xₖ and weights
/// wₖ of ``GaussHermiteRule``, tₖ = û + √2 s xₖ,
///
///     log L_j ≈ log s − ½ log π + log Σₖ wₖ exp(xₖ² + f_j(tₖ)).
///
/// The result is one deterministic smooth function of (a, τ): the rule's placement is a function
/// of them through the exact mode and curvature, not of the path that reached them. Its gradient
/// is that function's exact gradient (to the mode's tolerance): with πₖ the normalized terms,
/// A = Σπₖf′(tₖ), B = Σπₖf′(tₖ)√2xₖ, and for a parameter φ,
///
///     d log L/dφ = Σₖ πₖ ∂f/∂φ(tₖ) + A dû/dφ + (1 + Bs) d log s/dφ,
///     dû/dφ = ∂f′(û)/∂φ / c,   d log s/dφ = ½ (∂f″(û)/∂φ + f‴(û) dû/dφ) / c,
///
/// which needs ℓ′, ℓ″ and ℓ‴ in η: for a canonical link with prior weight m, ℓ′ = m(y − μ),
/// ℓ″ = −mμ′(η), ℓ‴ = −mμ″(η). The row offset aᵢ is such a parameter (∂ηᵢ/∂aᵢ = 1), whose
/// derivatives rᵢ the density pulls back to β and the sampled effects; τ is another
/// (∂ηᵢ/∂τ = zᵢu). Since ℓ″ ≤ 0, c ≥ 1: every level has a unique mode and a well-placed rule.
struct QuadratureIntegral: Sendable {
    let rule: GaussHermiteRule
    /// Each node's log wₖ + xₖ² and √2 xₖ.
    let nodeOffsets: [Double]
    let scaledNodes: [Double]
    /// The last evaluation's modes, where Newton's method starts the next.
    var modes: [Double]
    /// Scratch: ℓ′ at each node and ℓ″, ℓ‴ at the mode for one level's rows, and per node its
    /// term, f′(tₖ), ∂f/∂τ(tₖ) and normalized weight πₖ.
    private var nodeScores: [Double]
    private var modeCurvatures: [Double]
    private var terms: [Double]
    private var slopes: [Double]
    private var tauPartials: [Double]
    private var weights: [Double]

    /// K points for the levels of `levels`; throws where K is out of range.
    init(levels: QuadratureLevels, points: Int) throws(MixedModelError) {
        guard points >= 1, points <= GeneralizedLinearMixedModel.maximumQuadraturePoints, let rule = GaussHermiteRule(points: points) else {
            throw .quadratureNotApplicable(reason: "the number of quadrature points must be from 1 to \(GeneralizedLinearMixedModel.maximumQuadraturePoints); got \(points)")
        }
        self.rule = rule
        nodeOffsets = zip(rule.nodes, rule.weights).map { $1 > 0 ? Foundation.log($1) + $0 * $0 : -.infinity }
        scaledNodes = rule.nodes.map { 2.0.squareRoot() * $0 }
        let rows = levels.rows
        let levelCount = rows.start.count - 1
        modes = Array(repeating: 0, count: levelCount)
        let largest = (0..<levelCount).map { rows.start[$0 + 1] - rows.start[$0] }.max() ?? 0
        nodeScores = Array(repeating: 0, count: largest * points)
        modeCurvatures = Array(repeating: 0, count: largest * 2)
        terms = Array(repeating: -.infinity, count: points)
        slopes = Array(repeating: 0, count: points)
        tauPartials = slopes
        weights = slopes
    }

    /// Σ_j log L_j at the offsets aᵢ (`offsets`, level order) and SD τ, writing ∂/∂aᵢ into
    /// `rowGradient` (level order) and returning ∂/∂τ with it; nil where a level's mode is not
    /// found or its integral is not finite.
    mutating func logLikelihood(levels: QuadratureLevels, offsets: [Double], tau: Double, rowGradient: inout [Double]) -> (value: Double, tau: Double)? {
        let z = levels.z, rows = levels.rows
        var total = 0.0
        var tauGradient = 0.0
        let halfLogPi = 0.5 * Foundation.log(Double.pi)
        let count = rule.nodes.count
        for level in 0..<modes.count {
            let range = rows.start[level]..<rows.start[level + 1]
            guard let mode = levels.mode(range, offsets: offsets, tau: tau, start: modes[level]) else { return nil }
            modes[level] = mode
            // Sums at the mode: S₁ = Σzℓ′, S₂ = Σz²ℓ″, S₃ = Σz³ℓ‴.
            var (s2, s3) = (0.0, 0.0)
            var s1 = 0.0
            for k in range {
                let d = levels.derivatives(k, eta: offsets[k] + tau * z[k] * mode)
                s1 += z[k] * d.first
                s2 += z[k] * z[k] * d.second
                s3 += z[k] * z[k] * z[k] * d.third
                modeCurvatures[2 * (k - range.lowerBound)] = d.second
                modeCurvatures[2 * (k - range.lowerBound) + 1] = d.third
            }
            let c = 1 - tau * tau * s2
            let s = 1 / c.squareRoot()
            let third = tau * tau * tau * s3
            // Node terms: log wₖ + xₖ² + f(tₖ), f′(tₖ), ∂f/∂τ(tₖ); ℓ′ per row and node kept.
            for q in 0..<count where nodeOffsets[q] > -.infinity {
                let t = mode + s * scaledNodes[q]
                var (f, zScore) = (-t * t / 2, 0.0)
                for k in range {
                    let d = levels.derivatives(k, eta: offsets[k] + tau * z[k] * t)
                    f += d.value
                    zScore += z[k] * d.first
                    nodeScores[(k - range.lowerBound) * count + q] = d.first
                }
                terms[q] = nodeOffsets[q] + f
                slopes[q] = tau * zScore - t
                tauPartials[q] = t * zScore
            }
            let largest = terms.max() ?? -.infinity
            guard largest.isFinite else { return nil }
            var sum = 0.0
            for q in 0..<count { sum += Foundation.exp(terms[q] - largest) }
            total += Foundation.log(s) - halfLogPi + largest + Foundation.log(sum)
            var (a, b, tauDirect) = (0.0, 0.0, 0.0)
            for q in 0..<count {
                weights[q] = Foundation.exp(terms[q] - largest) / sum
                a += weights[q] * slopes[q]
                b += weights[q] * slopes[q] * scaledNodes[q]
                tauDirect += weights[q] * tauPartials[q]
            }
            let spread = 1 + b * s
            // Rows: rᵢ = Σπₖℓ′ᵢ(tₖ) + A dû/daᵢ + (1 + Bs) d log s/daᵢ.
            for k in range {
                let (second, thirdDerivative) = (modeCurvatures[2 * (k - range.lowerBound)], modeCurvatures[2 * (k - range.lowerBound) + 1])
                let du = tau * z[k] * second / c
                let dlogs = 0.5 * (tau * tau * z[k] * z[k] * thirdDerivative + third * du) / c
                var direct = 0.0
                for q in 0..<count { direct += weights[q] * nodeScores[(k - range.lowerBound) * count + q] }
                rowGradient[k] = direct + a * du + spread * dlogs
            }
            // τ: ∂f′(û)/∂τ = S₁ + τûS₂, ∂f″(û)/∂τ = 2τS₂ + τ²ûS₃.
            let du = (s1 + tau * mode * s2) / c
            let dlogs = 0.5 * (2 * tau * s2 + tau * tau * mode * s3 + third * du) / c
            tauGradient += tauDirect + a * du + spread * dlogs
        }
        return (total, tauGradient)
    }
}
