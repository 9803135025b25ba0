import Foundation

extension GeneralizedLinearMixedModel {
    /// Profile-likelihood intervals at `level` for `fit`'s parameters, as lme4's
    /// `confint(glmerFit, method = "profile")`: the deviance the fit minimized (Laplace, or
    /// `nAGQ`-point adaptive quadrature) as a function of ψ = (β, each term's SDs and correlations,
    /// the dispersion where it is estimated), with u from PIRLS at each (θ, β); for each
    /// parameter the others are re-estimated (``DevianceProfile``) and the ends are where
    /// ζ = ±z_{(1+level)/2}. Terms with a covariance structure (`ar1`, …) are refused.
    public func profileIntervals(_ fit: GeneralizedLinearMixedModelFit, level: Double = 0.95) throws(MixedModelError) -> IntervalTable {
        guard thetaLayout.isUnstructured else { throw .unstructuredCovarianceRequired(method: "profiling (--confint profile)") }
        let quadrature = fit.nAGQ == 1 ? nil : try AdaptiveQuadrature(model: self, points: fit.nAGQ)
        let p = design.fixedEffects.p
        let fixed = fit.fixedEffects.enumerated().map { j, effect in
            (ProfileParameter(name: "b[\(effect.name)]", kind: .fixedEffect(j)), effect.estimate)
        }
        let rows = fixed + ProfileParameter.covariance(blocks: blocks, components: fit.varianceComponents)
            + (fit.dispersion.map { [(ProfileParameter(name: "dispersion", kind: .dispersion), $0)] } ?? [])
        let parameters = rows.map(\.0)
        let estimate = rows.map(\.1)

        // D(ψ): θ from the SDs and correlations (scale 1), u by PIRLS at the held β, warm-started
        // from the last evaluation that succeeded.
        var core = effectsOnly
        var state = startingState
        var theta = fit.theta
        let model = self
        let deviance = { (psi: [Double]) -> Double in
            var current = model
            if let index = parameters.firstIndex(where: { if case .dispersion = $0.kind { true } else { false } }) {
                current.family = model.family.withDispersion(psi[index])
            }
            guard let factors = ProfileParameter.covarianceFactors(psi, parameters: parameters, blocks: model.blocks),
                  model.thetaLayout.relative(factors, sigma: 1, into: &theta)
            else { return LinearMixedModel.failedFactorizationObjective }
            var trial = state
            trial.beta = Array(psi[..<p])
            guard (try? current.pirls(&core, theta: theta, state: &trial, holdingBeta: true)) != nil else {
                return LinearMixedModel.failedFactorizationObjective
            }
            let value = quadrature.map { $0.deviance(current, core: core, state: trial) } ?? current.laplaceDeviance(core, state: trial)
            guard value.isFinite else { return LinearMixedModel.failedFactorizationObjective }
            state = trial
            return value
        }
        let minimum = deviance(estimate)
        guard minimum < LinearMixedModel.failedFactorizationObjective else {
            throw .pirlsFailed(message: "the deviance cannot be evaluated at the estimates to profile it")
        }
        let profile = DevianceProfile(parameters: parameters, estimate: estimate, minimum: minimum, deviance: deviance)
        let standardErrors = Dictionary(uniqueKeysWithValues: fit.fixedEffects.enumerated().map { ($0, $1.standardError) })
        let (intervals, notes) = profile.intervals(parameters.indices, level: NormalQuantile.value(0.5 + level / 2), standardErrors: standardErrors)
        let criterion = fit.nAGQ == 1 ? "the Laplace deviance" : "the \(fit.nAGQ)-point adaptive quadrature deviance"
        return IntervalTable(level: level, method: "profile of \(criterion), as lme4's confint", intervals: intervals, notes: notes)
    }
}
