/// The posterior summary of one scalar quantity, the columns of `posterior::summarise_draws`
/// (with MCSE of the mean in place of the median absolute deviation).
public struct ParameterSummary: Sendable, Equatable {
    public var name: String
    /// Mean of all draws.
    public var mean: Double
    /// Standard deviation of all draws (denominator n − 1).
    public var sd: Double
    /// Monte Carlo standard error of the mean (``Diagnostics/mcseMean(_:)``).
    public var mcse: Double
    /// 5 %, 50 % and 95 % sample quantiles (type 7).
    public var q5: Double
    public var q50: Double
    public var q95: Double
    /// Bulk and tail effective sample sizes (``Diagnostics/essBulk(_:)``,
    /// ``Diagnostics/essTail(_:)``).
    public var essBulk: Double
    public var essTail: Double
    /// Rank-normalized split R̂ (``Diagnostics/rhat(_:)``).
    public var rhat: Double

    public init(
        name: String, mean: Double, sd: Double, mcse: Double, q5: Double, q50: Double,
        q95: Double, essBulk: Double, essTail: Double, rhat: Double
    ) {
        self.name = name
        self.mean = mean
        self.sd = sd
        self.mcse = mcse
        self.q5 = q5
        self.q50 = q50
        self.q95 = q95
        self.essBulk = essBulk
        self.essTail = essTail
        self.rhat = rhat
    }

    /// The summary of `draws[chain][draw]`. Fields that the draws cannot support (see
    /// ``Diagnostics``) are NaN; mean and quantiles need only one finite draw.
    public init(name: String, draws: [[Double]]) {
        let pooled = draws.flatMap { $0 }
        let sorted = pooled.allSatisfy(\.isFinite) ? pooled.sorted() : []
        self.init(
            name: name,
            mean: pooled.isEmpty ? .nan : SampleMoments.mean(pooled),
            sd: SampleMoments.variance(pooled).squareRoot(),
            mcse: Diagnostics.mcseMean(draws),
            q5: SampleQuantile.value(sorted: sorted, probability: 0.05),
            q50: SampleQuantile.value(sorted: sorted, probability: 0.5),
            q95: SampleQuantile.value(sorted: sorted, probability: 0.95),
            essBulk: Diagnostics.essBulk(draws),
            essTail: Diagnostics.essTail(draws),
            rhat: Diagnostics.rhat(draws)
        )
    }
}
