import Foundation

/// The posterior density of a generalized linear mixed model with one scalar random-effect term,
/// (1 | g) or (0 + z | g), whose effects are integrated out level by level by adaptive
/// Gauss–Hermite quadrature (AGHQ): what lets NUTS sample a binomial or Poisson GLMM over β and
/// the SD τ alone, as Lai, Domke & Sheldon do for linear models with the exact integral.
///
/// With x = [β, log τ], ηᵢ(u) = aᵢ + τzᵢu, aᵢ = oᵢ + xᵢᵀβ, and level j's log integrand in the
/// non-centred effect u ~ N(0, 1),
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
/// The log density is one deterministic smooth function of x: the rule's placement is a function
/// of x through the exact mode and curvature, not of the path that reached them. Its gradient
/// is that function's exact gradient (to the mode's tolerance): with πₖ the normalized terms,
/// A = Σπₖf′(tₖ), B = Σπₖf′(tₖ)√2xₖ, and for a parameter φ,
///
///     d log L/dφ = Σₖ πₖ ∂f/∂φ(tₖ) + A dû/dφ + (1 + Bs) d log s/dφ,
///     dû/dφ = ∂f′(û)/∂φ / c,   d log s/dφ = ½ (∂f″(û)/∂φ + f‴(û) dû/dφ) / c,
///
/// which needs ℓ′, ℓ″ and ℓ‴ in η: for a canonical link with prior weight m, ℓ′ = m(y − μ),
/// ℓ″ = −mμ′(η), ℓ‴ = −mμ″(η). The row offset aᵢ is such a parameter (∂ηᵢ/∂aᵢ = 1), whose
/// derivatives rᵢ give ∇β = Xᵀr; τ is another (∂ηᵢ/∂τ = zᵢu). Since ℓ″ ≤ 0, c ≥ 1: every level has
/// a unique mode and a well-placed rule.
///
/// Priors on β (each coordinate) and on τ (with the log Jacobian of τ = e^x) complete the density.
struct QuadratureMarginalizedDensity: LogDensity {
    let model: GeneralizedLinearMixedModel
    let rule: GaussHermiteRule
    /// Each node's log wₖ + xₖ² and √2 xₖ.
    let nodeOffsets: [Double]
    let scaledNodes: [Double]
    let fixedPriors: [Prior]
    let sdPrior: Prior
    /// The levels' rows and their terms of the likelihood.
    let levels: QuadratureLevels
    let p: Int
    var dimension: Int { p + 1 }
    /// The last evaluation's modes, where Newton's method starts the next.
    var modes: [Double]
    /// Scratch: aᵢ in level order, ∂ log L/∂aᵢ in data order, ℓ′ at each node and ℓ″, ℓ‴ at the
    /// mode for one level's rows, and per node its term, f′(tₖ), ∂f/∂τ(tₖ) and normalized weight πₖ.
    private(set) var offsets: [Double]
    private var rowGradient: [Double]
    private var nodeScores: [Double]
    private var modeCurvatures: [Double]
    private var terms: [Double]
    private var slopes: [Double]
    private var tauPartials: [Double]
    private var weights: [Double]

    /// The model's single scalar term and canonical link, K points; throws where they do not apply.
    init(model: GeneralizedLinearMixedModel, points: Int, fixedPriors: [Prior], sdPrior: Prior) throws(MixedModelError) {
        guard model.blocks.count == 1, let block = model.blocks.first, block.dimension == 1 else {
            throw .quadratureNotApplicable(reason: "integrating the random effects out by quadrature in the sampler is written for one scalar random-effect term, such as (1 | g); this model has \(model.blocks.map { "\($0.dimension) column(s) on \($0.group)" }.joined(separator: ", "))")
        }
        guard model.link == model.family.canonicalLink, model.family.dispersion == nil else {
            throw .quadratureNotApplicable(reason: "integrating the random effects out by quadrature in the sampler is written for canonical links without a dispersion parameter (binomial–logit, Poisson–log); this model is \(model.family.name)–\(model.link.rawValue)")
        }
        guard points >= 1, points <= GeneralizedLinearMixedModel.maximumQuadraturePoints, let rule = GaussHermiteRule(points: points) else {
            throw .quadratureNotApplicable(reason: "the number of quadrature points must be from 1 to \(GeneralizedLinearMixedModel.maximumQuadraturePoints); got \(points)")
        }
        self.model = model
        self.rule = rule
        nodeOffsets = zip(rule.nodes, rule.weights).map { $1 > 0 ? Foundation.log($1) + $0 * $0 : -.infinity }
        scaledNodes = rule.nodes.map { 2.0.squareRoot() * $0 }
        self.fixedPriors = fixedPriors
        self.sdPrior = sdPrior
        p = model.design.fixedEffects.p
        levels = QuadratureLevels(model: model, block: block)
        let rows = levels.rows
        modes = Array(repeating: 0, count: block.levelCount)
        offsets = Array(repeating: 0, count: model.design.nobs)
        rowGradient = offsets
        let largest = (0..<block.levelCount).map { rows.start[$0 + 1] - rows.start[$0] }.max() ?? 0
        nodeScores = Array(repeating: 0, count: largest * points)
        modeCurvatures = Array(repeating: 0, count: largest * 2)
        terms = Array(repeating: -.infinity, count: points)
        slopes = Array(repeating: 0, count: points)
        tauPartials = slopes
        weights = slopes
    }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        let beta = Array(x[..<p])
        let logTau = x[p]
        let tau = Foundation.exp(logTau)
        guard tau.isFinite, tau > 0 else { return -.infinity }
        setOffsets(beta: beta)
        let levels = self.levels, offsets = self.offsets, z = levels.z, rows = levels.rows
        let design = model.design
        let xMatrix = design.fixedEffects.matrix
        var total = 0.0
        var tauGradient = 0.0
        let halfLogPi = 0.5 * Foundation.log(Double.pi)
        let count = rule.nodes.count
        for level in 0..<modes.count {
            let range = rows.start[level]..<rows.start[level + 1]
            guard let mode = levels.mode(range, offsets: offsets, tau: tau, start: modes[level]) else { return -.infinity }
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
            guard largest.isFinite else { return -.infinity }
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
                rowGradient[rows.order[k]] = direct + a * du + spread * dlogs
            }
            // τ: ∂f′(û)/∂τ = S₁ + τûS₂, ∂f″(û)/∂τ = 2τS₂ + τ²ûS₃.
            let du = (s1 + tau * mode * s2) / c
            let dlogs = 0.5 * (2 * tau * s2 + tau * tau * mode * s3 + third * du) / c
            tauGradient += tauDirect + a * du + spread * dlogs
        }
        for j in 0..<p {
            var g = 0.0
            for i in 0..<design.nobs { g += xMatrix[i, j] * rowGradient[i] }
            let prior = fixedPriors[j].logDensityAndDerivative(beta[j])
            total += prior.value
            gradient[j] = g + prior.derivative
        }
        // τ's prior and the Jacobian of τ = e^x: d/dx = τ d/dτ, + 1.
        let prior = sdPrior.logDensityAndDerivative(tau)
        total += prior.value + logTau
        gradient[p] = tau * (tauGradient + prior.derivative) + 1
        return total.isFinite ? total : -.infinity
    }

    /// aᵢ = oᵢ + xᵢᵀβ, in level order.
    mutating func setOffsets(beta: [Double]) {
        let xMatrix = model.design.fixedEffects.matrix
        for (k, i) in levels.rows.order.enumerated() {
            var a = model.offset[i]
            for j in 0..<p { a += xMatrix[i, j] * beta[j] }
            offsets[k] = a
        }
    }
}
