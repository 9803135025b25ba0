import Foundation

extension GeneralizedLinearMixedModel {
    /// Percentile intervals at `level` from `simulations` parametric-bootstrap refits of `fit`, as
    /// lme4's `bootMer` for a `glmer` fit: each simulation draws u* ~ N(0, I), forms
    /// η* = o + Xβ̂ + Σₖ Zₖλₖ(θ̂)u*ₖ and draws each response from the family at μ* = g⁻¹(η*) (with
    /// the estimated dispersion), then refits by the same method (Laplace or `nAGQ` points). Run
    /// in parallel over the cores; simulation r draws from stream r of `seed`. The rows are the
    /// fixed effects, the estimated dispersion (`dispersion`), and each term's SDs and correlations.
    public func parametricBootstrap(
        _ fit: GeneralizedLinearMixedModelFit, simulations: Int, seed: UInt64 = 1, level: Double = 0.95
    ) -> BootstrapIntervals {
        let clock = ContinuousClock()
        let started = clock.now
        let streams = RandomSource.streams(seed: seed, count: simulations)
        let lambdas = thetaLayout.lambdas(fit.theta)
        let n = design.nobs
        let center = design.fixedPart(fit.fixedEffects.map(\.estimate))
        let fitted = fit.dispersion.map { family.withDispersion($0) } ?? family
        let replicates: [[Double]?] = concurrentMap(count: simulations) { r in
            var random = streams[r]
            var eta = center
            for (k, block) in blocks.enumerated() {
                let u = (0..<block.effectCount).map { _ in random.normal() }
                block.addEffects(lambda: lambdas[k], u: u, into: &eta)
            }
            var simulated = design
            simulated.response = (0..<n).map { fitted.simulate(mean: link.mean(eta[$0]), weight: priorWeights[$0], random: &random) }
            guard var model = try? GeneralizedLinearMixedModel(design: simulated, family: family, link: link) else { return nil }
            model.information = information
            return (try? model.fit(nAGQ: fit.nAGQ)).map { Self.bootstrapRows($0).map(\.value) }
        }
        return BootstrapIntervals(
            estimates: Self.bootstrapRows(fit), replicates: replicates, seed: seed, level: level, seconds: started.duration(to: clock.now).seconds)
    }

    /// The parameters a bootstrap reports, by ``ParameterNames``, then the dispersion.
    static func bootstrapRows(_ fit: GeneralizedLinearMixedModelFit) -> [(name: String, value: Double)] {
        ParameterNames.rows(
            fixed: fit.fixedEffects.map { ($0.name, $0.estimate) }, sigma: nil,
            components: fit.varianceComponents.map(FitReport.VarianceComponent.init))
            + (fit.dispersion.map { [(name: "dispersion", value: $0)] } ?? [])
    }
}
