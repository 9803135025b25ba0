/// The result of sampling a Bayesian linear mixed model: posterior summaries of the global
/// parameters with their diagnostics, the recovered random effects, the priors used, and the
/// sampler's own record.
public struct PosteriorSample: Sendable {
    /// One prior as used: its parameter, distribution and whether the user set it.
    public struct PriorEntry: Sendable, Equatable {
        public var name: String
        public var prior: Prior
        public var userSet: Bool
        /// What the prior is on when that is not the parameter alone (the centred intercept:
        /// ``MixedModelParameterization/interceptPriorTarget``).
        public var on: String? = nil
    }

    /// The posterior of one block's random effects b (one grouping factor, all its terms),
    /// from one recovery draw per posterior draw.
    public struct RandomEffects: Sendable {
        public var group: String
        public var columnNames: [String]
        public var levels: [String]
        /// Posterior means and SDs, ℓ × S with the S values of a level together.
        public var means: [Double]
        public var sds: [Double]
    }

    public var formula: String
    public var nobs: Int
    /// The response family of a generalized model (`binomial`), nil for a linear one.
    public var family: String? = nil
    public var strategy: SamplingStrategy
    public var priors: [PriorEntry]
    /// Summaries of the reported global parameters (`b[…]`, `sigma`, `sd[…][…]`, `cor[…][…]`).
    public var parameters: [ParameterSummary]
    /// Draws of the reported global parameters, `[chain][draw][parameter]`.
    public var globalDraws: [[[Double]]]
    /// The warmup iterations' values of the same parameters, `[chain][iteration][parameter]`
    /// (for trace plots; empty where the sample was made without them).
    public var warmupGlobalDraws: [[[Double]]] = []
    /// Recovered random effects per engine block (empty when recovery was not asked for).
    public var randomEffects: [RandomEffects]
    /// Every recovered random-effect draw, `[chain][draw][effect]` with effects named by
    /// ``randomEffectNames``, kept only when asked for (it can be large).
    public var randomEffectDraws: [[[Double]]]
    public var randomEffectNames: [String]
    /// The sampler's record: unconstrained draws, per-iteration statistics, adaptation.
    public var sampling: SamplingResult
    /// Seconds spent sampling (with the search for a Laplace start, if any) and recovering the
    /// random effects.
    public var samplingSeconds: Double
    public var recoverySeconds: Double
    /// Plain-language warnings: the model's (dropped aliased columns, one-level factors), then
    /// the sampler's (divergences, R̂, ESS, tree depth, E-BFMI).
    public var warnings: [String]
    /// Gradient evaluations of the search for a Laplace start (``LaplaceStart``), 0 without one.
    public var startEvaluations = 0

    public var divergences: Int { sampling.divergences }
    /// Every gradient evaluation: the chains' and the Laplace start's.
    public var gradientEvaluations: Int { sampling.gradientEvaluations + startEvaluations }
    public var chains: Int { sampling.settings.chains }
    public var draws: Int { sampling.settings.draws }
    public var warmup: Int { sampling.settings.warmup }
    /// Step size per chain after adaptation.
    public var stepSizes: [Double] { sampling.chains.map(\.stepSize) }
    /// Smallest bulk-ESS over the global parameters per second of sampling.
    public var minimumBulkESSPerSecond: Double {
        (parameters.map(\.essBulk).min() ?? .nan) / samplingSeconds
    }
}

extension PosteriorSample {
    /// The draws of reported global parameter `index`, per chain.
    func chainDraws(_ index: Int) -> [[Double]] {
        globalDraws.map { chain in chain.compactMap { index < $0.count ? $0[index] : nil } }
    }

    /// The warmup values of reported global parameter `index`, per chain (empty without them).
    func warmupChainDraws(_ index: Int) -> [[Double]] {
        warmupGlobalDraws.map { chain in chain.compactMap { index < $0.count ? $0[index] : nil } }
    }

    /// The central posterior interval at `level` of every reported global parameter: the
    /// (1 − level)/2 and (1 + level)/2 quantiles of all chains' draws, with the posterior mean.
    public func centralIntervals(level: Double) -> [BootstrapIntervals.Interval] {
        parameters.indices.map { index in
            let draws = chainDraws(index)
            return BootstrapIntervals.Interval(
                name: parameters[index].name, estimate: parameters[index].mean,
                lower: Diagnostics.quantile(draws, probability: (1 - level) / 2), upper: Diagnostics.quantile(draws, probability: (1 + level) / 2))
        }
    }
}
