import Foundation

/// Penalized quasi-likelihood (Breslow & Clayton 1993, *JASA* 88; Schall 1991), exactly as R's
/// `MASS::glmmPQL` computes it: from the generalized linear model's fit, repeatedly fit the working
/// linear mixed model z ~ X + Z b by ML with prior weights w (z = η − o + (y − μ)/μ′(η), w the
/// prior weight times μ′²/V(μ), and a residual scale σ² estimated, as `lme` with
/// `varFixed(~1/w)`), then recompute η = Xβ̂ + Zb̂ + o, μ, z and w, until
/// Σ(η − η_old)² < 10⁻⁶ Ση² (at most `maximumIterations` fits, 10 as glmmPQL). The random
/// effects are maximized jointly with β in each working model rather than integrated out of the
/// non-Gaussian likelihood, which is what biases its variance components towards zero on binary
/// data (Breslow & Lin 1995).
public struct PenalizedQuasiLikelihoodFit: Sendable {
    /// β̂ with the working model's standard errors (glmmPQL's `vcov`).
    public var fixedEffects: [FixedEffectEstimate]
    /// Each term's SDs and correlations in the working model (`VarCorr`).
    public var varianceComponents: [VarianceComponent]
    /// The working model's residual SD (glmmPQL's `Residual` line; 1 would be the binomial's or
    /// Poisson's own scale).
    public var residualScale: Double
    public var iterations: Int
    public var converged: Bool
    public var seconds: Double
}

extension GeneralizedLinearMixedModel {
    public func fitPQL(maximumIterations: Int = 10) throws(MixedModelError) -> PenalizedQuasiLikelihoodFit {
        let clock = ContinuousClock()
        let started = clock.now
        let n = design.nobs
        let y = design.response
        // The generalized linear model (θ = 0, β by IRLS) starts it, as glmmPQL's glm().
        var core = withFixedEffects
        var glm = startingState
        try pirls(&core, theta: Array(repeating: 0, count: thetaLayout.count), state: &glm, holdingBeta: false, maximumIterations: 50)
        var eta = glm.eta
        var working = design
        working.offset = nil
        working.responseIsBinomialProportion = false
        var fit: LinearMixedModelFit?
        var iterations = 0
        var converged = false
        while iterations < maximumIterations {
            var weights = [Double](repeating: 0, count: n), response = weights
            family.workingValues(y: y, eta: eta, link: link, priorWeights: priorWeights, weights: &weights, responses: &response)
            working.response = zip(response, offset).map { $0 - $1 }
            working.weights = weights
            let model = try LinearMixedModel(design: working)
            let current = try model.fit(criterion: .ml)
            iterations += 1
            fit = current
            let old = eta
            eta = zip(current.fitted, offset).map { $0 + $1 }
            let change = zip(eta, old).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            if change < 1e-6 * eta.reduce(0.0) { $0 + $1 * $1 } {
                converged = true
                break
            }
        }
        guard let fit else { throw .optimizerFailed(message: "penalized quasi-likelihood made no fit") }
        return PenalizedQuasiLikelihoodFit(
            fixedEffects: fit.fixedEffects, varianceComponents: fit.varianceComponents, residualScale: fit.sigma,
            iterations: iterations, converged: converged, seconds: started.duration(to: clock.now).seconds)
    }
}
