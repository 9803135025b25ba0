import Foundation

extension LinearMixedModel {
    /// NUTS on the density of the request's strategy (by default the cheapest exact one,
    /// ``SamplingStrategy/automatic(for:)``) with the request's priors, after checking that the
    /// draws fit in memory: β, σ and θ per draw, and every random effect with recovery.
    public func samplePosterior(
        _ request: PosteriorRequest, progress: (@Sendable (SamplingProgress) -> Void)? = nil
    ) throws(BayesianError) -> PosteriorSample {
        try request.checkMemory(valuesPerDraw: design.fixedEffects.p + 1 + thetaCount + (request.recover ? design.q : 0))
        var bayesian = BayesianMixedModel(model: self, strategy: request.strategy ?? .automatic(for: self))
        do { try bayesian.setPriors(request.priors) } catch { throw .prior(error) }
        return try bayesian.sample(
            settings: request.settings, recover: request.recover, keepEffectDraws: request.keepEffectDraws, progress: progress)
    }
}
