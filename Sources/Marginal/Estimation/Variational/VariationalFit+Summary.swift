extension VariationalFit {
    /// The summaries of a fitted q over a model's globals: the means under q of σ (when the
    /// family has a `dispersion`), the SDs and the correlations from `globalDraws` (draws of q's
    /// marginal over the global coordinates, in `layout`'s coordinates), β's mean and SD under q
    /// given exactly (`beta`), 95 % central intervals from the same draws, and warnings when
    /// ADVI did not meet its convergence rule or dropped draws.
    init(
        target: VariationalTarget, layout: MixedModelParameterization, parameterNames: [String], advi result: ADVIResult,
        options: ADVIOptions, globalDraws draws: [[Double]], beta: (mean: [Double], sd: [Double]), dispersion: Bool, seconds: Double
    ) throws(EstimationError) {
        guard var estimates = GlobalEstimates(layout: layout, meanOver: draws) else {
            throw .invalidOption(name: "summaryDraws", value: "\(draws.count)", requirement: "at least 1")
        }
        estimates.beta = beta.mean
        estimates.betaStandardErrors = beta.sd
        if !dispersion { estimates.sigma = nil }
        var warnings: [String] = []
        if !result.converged {
            warnings.append("ADVI stopped after \(result.iterations) iterations without meeting its convergence rule "
                + "(relative ELBO change below \(options.relativeTolerance) for \(options.patience) estimates)")
        }
        if result.nonFiniteDraws > 0 {
            warnings.append("\(result.nonFiniteDraws) gradient draws fell where the log density is not finite and were left out")
        }
        self.init(
            target: target, estimates: estimates, parameterNames: parameterNames, advi: result,
            intervals: GlobalEstimates.centralIntervals(layout: layout, draws: draws, estimates: estimates, level: 0.95),
            warnings: warnings, seconds: seconds)
    }
}

extension MeanFieldGaussian {
    /// `count` (at least 2) draws of q's marginal over its first `globals` coordinates, seeded
    /// from `seed`: drawing only the globals keeps a summary O(draws · globals) when q also
    /// covers many random effects.
    func globalDraws(_ globals: Int, count: Int, seed: UInt64) -> [[Double]] {
        (marginal(0..<globals) ?? self).draws(count: max(count, 2), seed: seed &+ 0x5EED)
    }
}
