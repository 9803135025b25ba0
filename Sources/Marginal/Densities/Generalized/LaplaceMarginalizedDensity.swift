import Foundation

/// The posterior density of a generalized linear mixed model (canonical link, no dispersion, no
/// nested blocks) with every random effect integrated out by the Laplace approximation, as Stan's
/// embedded Laplace (Margossian et al. 2020) does, so that NUTS sees only the global parameters
/// (`--marginalize laplace`). It is an approximation: the posterior it samples is that of the
/// Laplace likelihood, not the model's.
///
/// x = [γ, the terms' log SDs and correlation coordinates] (``GeneralizedPriors``, β = Bγ), and
///
///     log p(x) = −D(θ, β)/2 + log p(β) + log p(SDs, correlations) + log |J|,
///
/// with D the Laplace deviance −2 log p(y | û) + ‖û‖² + log det(ΛᵀZᵀWZΛ + I) at the conditional
/// modes û found by PIRLS at the held β (warm-started from the previous evaluation's modes), and
/// θ = T (σ = 1: the relative and absolute covariance factors agree). Its gradient is exact for
/// that function: ∂D/∂(θ, β) by the adjoint method (``GeneralizedLinearMixedModel/laplaceGradient(_:theta:state:)``:
/// the envelope theorem for the penalized deviance, one adjoint solve for the log-determinant's
/// dependence on û), pulled back to the SDs and correlations by
/// ``MixedModelParameterization/completeGradient(_:globals:sigmaAdjoint:gradient:)``.
///
/// PIRLS converges to 1e-10 in the effects, so the log density is deterministic to that
/// tolerance (a warm start from another point can move its last digits), which is below what
/// the sampler's acceptance test can see.
struct LaplaceMarginalizedDensity: LogDensity {
    let model: GeneralizedLinearMixedModel
    let priors: GeneralizedPriors
    let dimension: Int
    /// PIRLS's core ([Z z], β held) and state, warm between evaluations.
    var core: PenalizedLeastSquares
    var state: PIRLSState
    /// Scratch: the decoded globals, the linear layout's x and gradient, θ and ∂(−D/2)/∂T.
    var globals: GlobalParameters
    var layoutX: [Double]
    var layoutGradient: [Double]
    var theta: [Double]

    /// Throws where the family, link or the design do not allow the exact gradient, naming what does.
    init(model: GeneralizedLinearMixedModel, priors: GeneralizedPriors) throws(MixedModelError) {
        guard model.hasExactLaplaceGradient, model.thetaLayout.isUnstructured else {
            throw .quadratureNotApplicable(reason: "--marginalize laplace is written for canonical links without a dispersion parameter (binomial-logit, Poisson-log), unstructured terms and no nested blocks; sample this model with --marginalize none")
        }
        self.model = model
        self.priors = priors
        dimension = priors.dimension
        core = model.effectsOnly
        state = model.startingState
        globals = priors.layout.makeGlobals()
        layoutX = Array(repeating: 0, count: priors.layout.dimension)
        layoutGradient = layoutX
        theta = model.thetaLayout.initial
    }

    mutating func logDensity(at x: [Double], gradient: inout [Double]) -> Double {
        guard x.count == dimension, gradient.count == dimension, setModes(x) else { return -.infinity }
        let deviance = model.laplaceDeviance(core, state: state)
        guard deviance.isFinite, let derivatives = model.laplaceGradient(core, theta: theta, state: state) else { return -.infinity }
        let t = theta.count
        for c in globals.betaAdjoint.indices { globals.betaAdjoint[c] = -derivatives[t + c] / 2 }
        model.thetaLayout.scatter(derivatives[..<t].map { -$0 / 2 }, into: &globals.factorAdjoints)
        let prior = priors.layout.completeGradient(layoutX, globals: &globals, sigmaAdjoint: 0, gradient: &layoutGradient)
        priors.pullBack(layoutGradient, into: &gradient)
        let total = -deviance / 2 + prior
        return total.isFinite ? total : -.infinity
    }

    /// Decodes x and runs PIRLS at its (θ, β) from the last modes, or from the start when that
    /// fails; false when the SDs are not positive and finite or PIRLS fails from both.
    mutating func setModes(_ x: [Double]) -> Bool {
        priors.layoutCoordinates(x, into: &layoutX)
        priors.layout.decode(layoutX, into: &globals)
        guard globals.sds.allSatisfy({ $0 > 0 && $0.isFinite }),
              model.thetaLayout.relative(globals.factors, sigma: 1, into: &theta) else { return false }
        let beta = Array(layoutX[..<model.design.fixedEffects.p])
        state.beta = beta
        if (try? model.pirls(&core, theta: theta, state: &state, holdingBeta: true)) != nil { return true }
        state = model.startingState
        state.beta = beta
        return (try? model.pirls(&core, theta: theta, state: &state, holdingBeta: true)) != nil
    }
}

extension LaplaceMarginalizedDensity: PointwiseRecovery {
    /// `b[…]`, then per term `sd[…][…]` and `cor[…][a,b]`.
    var globalNames: [String] { priors.parameterNames }

    func globalValues(_ x: [Double]) -> [Double] { priors.reportedValues(x) }

    /// One draw of every random effect from the Laplace approximation's Gaussian at x,
    /// u ~ N(û, M⁻¹) with M = ΛᵀZᵀWZΛ + I = L_u L_uᵀ, drawn as u = L_u⁻ᵀ(l_y,u + z) with z ~ N(0, I)
    /// (``PenalizedLeastSquares/solveRandomEffects(beta:noise:scale:into:)``: at PIRLS's
    /// convergence L_u⁻ᵀ l_y,u is û), and b = Λu, in ``RandomEffectsLayout``'s order. As the
    /// density, an approximation of the effects' conditional posterior.
    mutating func drawEffects(at x: [Double], using random: inout RandomSource, into effects: inout [Double]) -> Bool {
        guard setModes(x) else { return false }
        let count = core.randomEffectCount
        let noise = (0..<count).map { _ in random.normal() }
        var u = [Double](repeating: 0, count: count)
        let none = [0.0]
        none.withUnsafeBufferPointer { beta in
            noise.withUnsafeBufferPointer { z in
                u.withUnsafeMutableBufferPointer { up in
                    core.solveRandomEffects(beta: beta.baseAddress!, noise: z.baseAddress!, scale: 1, into: up.baseAddress!)
                }
            }
        }
        let ranges = core.blockEffectRanges
        var start = 0
        for (k, block) in model.blocks.enumerated() {
            let s = block.dimension, t = globals.factors[k]
            let uk = ranges[k].lowerBound
            for level in 0..<block.levelCount {
                for a in 0..<s {
                    var sum = 0.0
                    for c in 0...a { sum += t[a + c * s] * u[uk + level * s + c] }
                    effects[start + level * s + a] = sum
                }
            }
            start += block.effectCount
        }
        return true
    }
}
