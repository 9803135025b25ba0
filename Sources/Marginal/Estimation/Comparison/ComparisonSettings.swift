/// The settings of ``MixedModel/compare(_:settings:progress:)`` beyond each method's defaults.
public struct ComparisonSettings: Sendable {
    /// NUTS: chains, warmup and post-warmup iterations per chain (a modest budget by default; the
    /// posterior means it reports have Monte Carlo error of order SD/√(draws · chains)).
    public var chains: Int
    public var warmup: Int
    public var draws: Int
    /// Seed of NUTS and ADVI.
    public var seed: UInt64
    /// `NAME=DISTRIBUTION` prior settings for the methods with priors (joint MAP, VI, NUTS).
    public var priors: [String]
    /// Adaptive Gauss–Hermite points of a generalized model's ML fit (1: the Laplace approximation).
    public var quadraturePoints: Int

    public init(chains: Int = 4, warmup: Int = 500, draws: Int = 500, seed: UInt64 = 1, priors: [String] = [], quadraturePoints: Int = 1) {
        self.chains = chains
        self.warmup = warmup
        self.draws = draws
        self.seed = seed
        self.priors = priors
        self.quadraturePoints = quadraturePoints
    }
}
