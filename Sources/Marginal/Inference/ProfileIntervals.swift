import Foundation

extension LinearMixedModel {
    /// Profile-likelihood confidence intervals for every parameter of a linear mixed model, as lme4's
    /// `confint(fit, method = "profile")` (Bates et al. 2015, §5.1): for each parameter ψⱼ, the signed
    /// square root ζ(c) = sign(c − ψ̂ⱼ)√(D(c) − D̂) of the increase of the deviance when ψⱼ is held at
    /// c and every other parameter is re-estimated, and the interval's ends where ζ = ±z_{(1+level)/2}.
    ///
    /// As lme4, the profile is of the ML deviance whatever the fit's criterion (lme4 refits a REML fit
    /// by ML for it), over the parameters lme4 profiles: each term's SDs and correlations, σ, and β.
    /// The variance parameters enter the unprofiled deviance D(θ, σ) = log det(ΛᵀZᵀZΛ + I) +
    /// P(θ)/σ² + n log(2πσ²) (θ from the SDs and correlations relative to σ); the others are
    /// re-estimated by BOBYQA on log SDs, Fisher-z correlations and log σ. A fixed effect βⱼ = c is
    /// profiled as the model without its column and with response y − c xⱼ, fitted by ML. The ends are
    /// found by bracketing and Illinois' false position on ζ to 10⁻⁸ relative (lme4 interpolates a
    /// spline through a grid of ζ, which agrees to about 10⁻⁵). Where ζ does not reach the level
    /// before a bound (an SD at 0, a correlation at ±1), the bound is the end, with a note.
    public func profileIntervals(_ fit: LinearMixedModelFit, level: Double = 0.95) throws(MixedModelError) -> IntervalTable {
        try requireUnstructuredCovariance(for: "profiling (--confint profile)")
        let ml = fit.criterion == .ml ? fit : try self.fit(criterion: .ml)
        let z = NormalQuantile.value(0.5 + level / 2)
        var notes: [String] = []
        var intervals: [BootstrapIntervals.Interval] = []

        // β: the model without column j, response y − c xⱼ.
        for (j, effect) in ml.fixedEffects.enumerated() {
            var reduced = design
            reduced.fixedEffects.names.remove(at: j)
            let x = design.fixedEffects.matrix
            reduced.fixedEffects.matrix = Matrix(
                rows: x.rows, columns: x.columns - 1,
                elements: (0..<x.columns).filter { $0 != j }.flatMap { column in (0..<x.rows).map { x[$0, column] } })
            let base = try LinearMixedModel(design: reduced)
            let column = (0..<x.rows).map { x[$0, j] }
            let zeta = { (c: Double) -> Double? in
                let y = zip(self.design.response, column).map { $0 - c * $1 }
                guard let refit = try? base.replacingResponse(y).fit(criterion: .ml) else { return nil }
                return (c < effect.estimate ? -1 : 1) * max(refit.objective - ml.objective, 0).squareRoot()
            }
            let ends = [-1.0, 1].map {
                ProfileSearch.end(estimate: effect.estimate, direction: $0, scale: effect.standardError, level: z, bounds: -.infinity...(.infinity), zeta: zeta)
            }
            intervals.append(.init(name: "b[\(effect.name)]", estimate: effect.estimate, lower: ends[0].value, upper: ends[1].value))
        }
        // σ, then each term's SDs and correlations, in D(θ, σ).
        let variance = varianceProfile(ml)
        let profiled = variance.intervals(variance.parameters.indices, level: z)
        intervals += profiled.intervals
        notes += profiled.notes
        return IntervalTable(level: level, method: "profile of the ML deviance, as lme4's confint", intervals: intervals, notes: notes)
    }

    /// The ML deviance as a function of σ and each term's SDs and correlations (lme4's `devfun2`):
    /// D(θ, σ) = log det(ΛᵀZᵀZΛ + I) + P(θ)/σ² + n log(2πσ²) − Σ log wᵢ, θ = T/σ with T the
    /// Cholesky factors of the terms' covariances, profiled from the ML fit `ml`.
    func varianceProfile(_ ml: LinearMixedModelFit) -> DevianceProfile {
        let covariance = ProfileParameter.covariance(blocks: blocks, components: ml.varianceComponents)
        let parameters = [ProfileParameter(name: "sigma", kind: .sigma)] + covariance.map(\.0)
        var factor = PenalizedLeastSquares(products: products, factors: factors)
        var theta = ml.theta
        let n = Double(design.nobs)
        return DevianceProfile(parameters: parameters, estimate: [ml.sigma] + covariance.map(\.1), minimum: ml.objective) { psi in
            let sigma = psi[0]
            guard let factors = ProfileParameter.covarianceFactors(psi, parameters: parameters, blocks: self.blocks),
                  self.thetaLayout.relative(factors, sigma: sigma, into: &theta), factor.update(theta: theta)
            else { return LinearMixedModel.failedFactorizationObjective }
            let value = factor.logDeterminantRandom + factor.penalizedResidualSumOfSquares / (sigma * sigma)
                + n * log(2 * Double.pi * sigma * sigma) - factor.products.logWeightSum
            return value.isFinite ? value : LinearMixedModel.failedFactorizationObjective
        }
    }
}
