import Foundation

/// Joint MAP of a generalized model with one scalar term: the random effects maximized with the
/// global parameters instead of integrated out.
public struct GeneralizedJointMAPFit: Sendable {
    public var estimates: GlobalEstimates
    /// The log joint posterior density at the point reached.
    public var objective: Double
    /// Whether τ ran below 10⁻⁴ (on the link's scale, an SD without effect) towards the end of its
    /// search, 10⁻⁸: the joint density has no maximum.
    public var collapsed: Bool
    public var evaluations: Int
    public var seconds: Double
}

extension GeneralizedLinearMixedModel {
    /// The smallest τ the joint search considers; reaching it is the collapse.
    static let jointMAPFloor = 1e-8

    /// Joint MAP, centred, over z = [β, log τ, b₁ … b_J] by L-BFGS (NLopt), maximizing
    ///
    ///     Σᵢ ℓᵢ(oᵢ + xᵢᵀβ + zᵢb_{g(i)}) − Σⱼ bⱼ²/(2τ²) − J log τ + log p(β) + log p(τ)
    ///
    /// with the priors of ``GeneralizedPriors`` (and `settings`), the density of τ itself (no
    /// Jacobian: the mode of the posterior in τ). As τ → 0 with every bⱼ → 0 the term −J log τ
    /// grows without bound while the likelihood stays at that of β alone, so the joint density has
    /// no maximum and the search runs τ towards ``jointMAPFloor`` until L-BFGS's tolerance stops it
    /// (cbpp: 3e-7): the collapse that makes joint
    /// maximization useless for variance components (Breslow & Clayton 1993 note it for PQL's
    /// cousin; DESIGN.md §1). Flat priors do not change that.
    public func fitJointMAP(priors settings: [String] = []) throws -> GeneralizedJointMAPFit {
        let clock = ContinuousClock()
        let started = clock.now
        guard blocks.count == 1, let block = blocks.first, block.dimension == 1, let _ = link.canonicalTerms(0), family.dispersion == nil else {
            throw EstimationError.invalidOption(name: "method", value: "map", requirement: "a generalized model with one scalar random-effect term and a canonical link")
        }
        var priors = GeneralizedPriors(design: design, blocks: blocks)
        try priors.set(settings)
        let levels = QuadratureLevels(model: self, block: block)
        let p = design.fixedEffects.p
        let j = block.levelCount
        let x = design.fixedEffects.matrix
        let order = levels.rows.order
        let levelOf = order.map { Int(block.codes[$0]) }
        let (fixedPriors, sdPrior) = (priors.fixedEffects, priors.standardDeviation)
        let offset = self.offset
        var search = LBFGSMinimizer(lowerBounds: Array(repeating: -.infinity, count: p) + [Foundation.log(Self.jointMAPFloor)] + Array(repeating: -.infinity, count: j))
        search.relativeObjectiveTolerance = 1e-12
        let start = [Double](repeating: 0, count: p + 1 + j)
        let result = search.minimize(start: start) { z, gradient in
            let tau = Foundation.exp(z[p])
            for i in gradient.indices { gradient[i] = 0 }
            var value = 0.0
            for (k, i) in order.enumerated() {
                var eta = offset[i] + levels.z[k] * z[p + 1 + levelOf[k]]
                for c in 0..<p { eta += x[i, c] * z[c] }
                let d = levels.derivatives(k, eta: eta)
                value += d.value
                for c in 0..<p { gradient[c] -= d.first * x[i, c] }
                gradient[p + 1 + levelOf[k]] -= d.first * levels.z[k]
            }
            var squares = 0.0
            for level in 0..<j {
                let b = z[p + 1 + level]
                squares += b * b
                gradient[p + 1 + level] += b / (tau * tau)
            }
            value += -squares / (2 * tau * tau) - Double(j) * z[p]
            for c in 0..<p {
                let prior = fixedPriors[c].logDensityAndDerivative(z[c])
                value += prior.value
                gradient[c] -= prior.derivative
            }
            let prior = sdPrior.logDensityAndDerivative(tau)
            value += prior.value
            gradient[p] = -(squares / (tau * tau) - Double(j) + tau * prior.derivative)
            return value.isFinite ? -value : .greatestFiniteMagnitude
        }
        let tau = Foundation.exp(result.minimizer[p])
        let estimates = GlobalEstimates(
            fixedEffectNames: design.fixedEffects.names, beta: Array(result.minimizer[..<p]), standardErrors: nil,
            group: block.group, column: block.parts[0].term.columnNames[0], sd: tau)
        return GeneralizedJointMAPFit(
            estimates: estimates, objective: -result.minimum, collapsed: tau < 1e-4,
            evaluations: result.evaluations, seconds: started.duration(to: clock.now).seconds)
    }
}
